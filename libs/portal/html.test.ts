import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeHtml, html } from './html';

describe('html', () => {
  it('escapes every interpolated string, in content and in quoted attributes', () => {
    const hostile = `"><script>alert('x')</script>&`;
    assert.equal(
      html`<p title="${hostile}">${hostile}</p>`.value,
      '<p title="&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;">&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;</p>',
    );
    assert.equal(escapeHtml('<&>"\''), '&lt;&amp;&gt;&quot;&#39;');
  });

  it('keeps markup made by html, joins arrays and drops empty values', () => {
    const tag = html; // not \`html\`: a formatter would re-indent the markup under test
    const items = ['<a>', 'b'].map((item) => tag`<li>${item}</li>`);
    assert.equal(
      tag`<ul>${items}</ul>${undefined}${false}${null}${0}`.value,
      '<ul><li>&lt;a&gt;</li><li>b</li></ul>0',
    );
  });
});

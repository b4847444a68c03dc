/**
 * The portal's one stylesheet, served from the portal's own origin (the Content-Security-Policy
 * allows no inline style). Readable on a phone; colours meet WCAG AA contrast; focus is visible.
 */
export const PORTAL_CSS = `
:root { color-scheme: light; --ink: #1b1f24; --muted: #4a5361; --line: #c9d1d9; --accent: #0b5cad; --danger: #a4161a; --ok: #1a7f37; --bg: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
header { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; justify-content: space-between; padding: .75rem 1rem; background: #fff; border-bottom: 1px solid var(--line); }
header .brand { font-weight: 700; }
header form { margin: 0; }
main { max-width: 44rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.5rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.125rem; margin: 1.25rem 0 .5rem; }
.card { background: #fff; border: 1px solid var(--line); border-radius: .5rem; padding: 1rem; margin: 0 0 1rem; }
.muted { color: var(--muted); }
dl { display: grid; grid-template-columns: minmax(7rem, max-content) 1fr; gap: .25rem 1rem; margin: 0; }
dt { font-weight: 600; }
dd { margin: 0; overflow-wrap: anywhere; }
ul.scopes { padding-left: 1.25rem; margin: .25rem 0; }
ul.scopes code, td code { overflow-wrap: anywhere; }
.actions { display: flex; flex-wrap: wrap; gap: .75rem; margin-top: 1rem; }
.actions form { margin: 0; }
button, .button { font: inherit; padding: .6rem 1.1rem; border-radius: .375rem; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; display: inline-block; min-height: 2.75rem; }
button.secondary, .button.secondary { background: #fff; color: var(--accent); }
button.danger { background: #fff; color: var(--danger); border-color: var(--danger); }
button:focus-visible, a:focus-visible { outline: 3px solid #f2a900; outline-offset: 2px; }
a { color: var(--accent); }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; vertical-align: top; padding: .5rem .25rem; border-bottom: 1px solid var(--line); }
.state { font-weight: 600; }
.state-active { color: var(--ok); }
.state-needs-consent { color: #8a4b00; }
.state-revoked { color: var(--muted); }
.problem { border-left: 4px solid var(--danger); }
@media (max-width: 36rem) {
  table, thead, tbody, tr, th, td { display: block; }
  thead { position: absolute; left: -9999px; }
  tr { border: 1px solid var(--line); border-radius: .5rem; background: #fff; margin-bottom: .75rem; padding: .5rem; }
  td { border: 0; padding: .25rem; }
  td::before { content: attr(data-label) ": "; font-weight: 600; }
}
`;

/** The AWS Query protocol's XML, for STS answers: what the AWS SDKs and CLI parse. */

const NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';

const escape = (text: string) =>
  text.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!,
  );

/** An element tree: text leaves, nested objects, in the order given. */
export type XmlTree = { [element: string]: string | XmlTree };

function render(tree: XmlTree): string {
  return Object.entries(tree)
    .map(([name, value]) => `<${name}>${typeof value === 'string' ? escape(value) : render(value)}</${name}>`)
    .join('');
}

/** `<{Action}Response>` with its `<{Action}Result>` and the request id. */
export function resultXml(action: string, result: XmlTree, requestId: string): string {
  return (
    `<${action}Response xmlns="${NAMESPACE}">` +
    render({ [`${action}Result`]: result, ResponseMetadata: { RequestId: requestId } }) +
    `</${action}Response>`
  );
}

/** STS's error document: `Sender` faults are the caller's, `Receiver` faults the service's. */
export function errorXml(
  error: { code: string; message: string; fault: 'Sender' | 'Receiver' },
  requestId: string,
): string {
  return (
    `<ErrorResponse xmlns="${NAMESPACE}">` +
    render({ Error: { Type: error.fault, Code: error.code, Message: error.message }, RequestId: requestId }) +
    `</ErrorResponse>`
  );
}

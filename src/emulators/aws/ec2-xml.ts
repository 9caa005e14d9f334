/**
 * Response documents in EC2's own dialect (the botocore model's protocol "ec2"), which is not
 * awsQuery's: no `<{Action}Result>` wrapper, the request id as a lower-camel `<requestId>` member
 * of the response, lists of `<item>`s, and errors as `<Response><Errors><Error>` with `<RequestID>`
 * and no namespace. Member names are the model's `locationName`s (botocore
 * data/ec2/2016-11-15/service-2.json).
 */
import { el, escapeXml, renderRoot, type XmlNode } from './xml.js';
import type { ResponseDocuments } from './service.js';

export const EC2_NAMESPACE = 'http://ec2.amazonaws.com/doc/2016-11-15/';

/** A list in EC2's form: each entry wrapped in `<item>`. */
export function itemList(name: string, items: readonly (readonly (XmlNode | undefined)[])[]): XmlNode {
  return el(
    name,
    items.map((item) => el('item', item)),
  );
}

/** EC2's success and error documents; both start with the XML declaration, as EC2's do. */
export const ec2Documents: ResponseDocuments = {
  success(action, result, requestId) {
    const members = [{ name: 'requestId', text: requestId }, ...result.filter((r): r is XmlNode => r !== undefined)];
    return `<?xml version="1.0" encoding="UTF-8"?>\n${renderRoot(`${action}Response`, EC2_NAMESPACE, members)}`;
  },
  // One line, as EC2 sends it; Code and Message are all botocore and the SDKs read.
  error(_status, code, message, requestId) {
    return `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error></Errors><RequestID>${escapeXml(requestId)}</RequestID></Response>`;
  },
};

/**
 * Response documents in the awsQuery XML dialect. Output is indented with two spaces and ends
 * with a newline, as AWS's own responses are: the Throttling error then comes out at exactly
 * the 271 bytes that real ELB throttles have, which clients and log scrapers can be checked against.
 */

/** An element with either text or child elements (neither = an empty element such as `<Targets/>`). */
export interface XmlNode {
  readonly name: string;
  readonly text?: string;
  readonly children?: readonly XmlNode[];
}

/** An element holding child elements; undefined children are dropped so optional fields can be inlined. */
export function el(name: string, children: readonly (XmlNode | undefined)[] = []): XmlNode {
  return { name, children: children.filter((c): c is XmlNode => c !== undefined) };
}

/** A text element, or undefined (omitted) when the value is undefined. */
export function leaf(name: string, value: string | number | boolean | undefined): XmlNode | undefined {
  return value === undefined ? undefined : { name, text: String(value) };
}

/** A list in awsQuery form: each item wrapped in `<member>`. */
export function memberList(name: string, items: readonly (readonly (XmlNode | undefined)[])[]): XmlNode {
  return el(
    name,
    items.map((item) => el('member', item)),
  );
}

/** A list of plain strings in awsQuery form. */
export function stringMemberList(name: string, values: readonly string[]): XmlNode {
  return el(
    name,
    values.map((v) => leaf('member', v)),
  );
}

/** Escapes text content; quotes stay readable in messages like "named 'web'", as in AWS's own responses. */
export function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttribute(value: string): string {
  return escapeXml(value).replace(/"/g, '&quot;');
}

/** One element and its children, indented `depth` levels; exported for services with documents of their own (ec2-xml.ts). */
export function render(node: XmlNode, depth: number): string {
  const pad = '  '.repeat(depth);
  if (node.text !== undefined) return `${pad}<${node.name}>${escapeXml(node.text)}</${node.name}>\n`;
  const children = node.children ?? [];
  if (children.length === 0) return `${pad}<${node.name}/>\n`;
  return `${pad}<${node.name}>\n${children.map((c) => render(c, depth + 1)).join('')}${pad}</${node.name}>\n`;
}

/** A root element in `namespace` with its children, ending with a newline. */
export function renderRoot(name: string, namespace: string, children: readonly XmlNode[]): string {
  return `<${name} xmlns="${escapeAttribute(namespace)}">\n${children.map((c) => render(c, 1)).join('')}</${name}>\n`;
}

/** `<{Action}Response>` with the result members and the request id. */
export function successDocument(action: string, namespace: string, result: readonly (XmlNode | undefined)[], requestId: string): string {
  return renderRoot(`${action}Response`, namespace, [
    el(`${action}Result`, result),
    el('ResponseMetadata', [leaf('RequestId', requestId)]),
  ]);
}

/** `<ErrorResponse>`; Type is Sender for 4xx and Receiver for 5xx, as AWS does. */
export function errorDocument(namespace: string, status: number, code: string, message: string, requestId: string): string {
  return renderRoot('ErrorResponse', namespace, [
    el('Error', [leaf('Type', status >= 500 ? 'Receiver' : 'Sender'), leaf('Code', code), leaf('Message', message)]),
    leaf('RequestId', requestId)!,
  ]);
}

/** One part of a multipart/form-data body. */
export interface MultipartPart {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

/**
 * Parse multipart/form-data by hand. grammY writes compact headers (`content-disposition:form-data;name="x"`,
 * an unquoted filename) that Node's `Request.formData()` rejects, so fakes cannot use it.
 */
export function parseMultipart(body: Buffer, contentType: string): MultipartPart[] {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const marker = boundary?.[1] ?? boundary?.[2];
  if (!marker) throw new Error(`no boundary in content-type: ${contentType}`);
  const delimiter = Buffer.from(`--${marker}`);
  const parts: MultipartPart[] = [];
  let at = body.indexOf(delimiter);
  while (at !== -1) {
    let start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    if (body.subarray(start, start + 2).toString() === '\r\n') start += 2;
    const next = body.indexOf(delimiter, start);
    if (next === -1) break;
    let end = next;
    if (body.subarray(end - 2, end).toString() === '\r\n') end -= 2;
    parts.push(parsePart(body.subarray(start, end)));
    at = next;
  }
  return parts;
}

function parsePart(raw: Buffer): MultipartPart {
  const split = raw.indexOf('\r\n\r\n');
  const head = split === -1 ? raw.toString('utf8') : raw.subarray(0, split).toString('utf8');
  const data = split === -1 ? Buffer.alloc(0) : raw.subarray(split + 4);
  const headers = new Map<string, string>();
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const disposition = headers.get('content-disposition') ?? '';
  const parameter = (key: string) => new RegExp(`(?:^|;)\\s*${key}=(?:"([^"]*)"|([^;]*))`, 'i').exec(disposition);
  const name = parameter('name');
  const filename = parameter('filename');
  return {
    name: name?.[1] ?? name?.[2]?.trim() ?? '',
    ...(filename ? { filename: filename[1] ?? filename[2]?.trim() ?? '' } : {}),
    ...(headers.has('content-type') ? { contentType: headers.get('content-type') as string } : {}),
    data,
  };
}

/**
 * Last line of defence against printing a credential: every byte drainctl writes goes
 * through this, and any value of a secret-looking environment variable is masked.
 * (The first line is never formatting headers, tokens or config into messages at all.)
 */
const SECRET_NAME = /(SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL|ACCESS_KEY|PRIVATE_KEY|CLIENT_CERTIFICATE)/i;

export type Redactor = (text: string) => string;

export function createRedactor(env: NodeJS.ProcessEnv = process.env): Redactor {
  const secrets = Object.entries(env)
    .filter(([name, value]) => SECRET_NAME.test(name) && typeof value === 'string' && value.length >= 6)
    .map(([, value]) => value as string)
    .sort((a, b) => b.length - a.length);
  if (secrets.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join('***');
    return out;
  };
}

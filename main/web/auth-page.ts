/**
 * The page answered (401) when the console is opened without the token, or with a wrong one.
 * Static text only: no script, no style, nothing from the request is echoed into it. It carries
 * the console's error banner test id so a person and a test read the same code.
 */
export function authRequiredPage(hadToken: boolean): string {
  const why = hadToken
    ? 'The access token in this address is wrong or expired.'
    : 'This address has no access token.';
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="UTF-8" />
    <meta name="referrer" content="no-referrer" />
    <title>Probe Lab: access token required</title>
  </head>
  <body>
    <main>
      <h1>Probe Lab</h1>
      <p data-testid="error-banner" role="alert">AUTH_REQUIRED: ${why}</p>
      <p>Open the full address that <code>probe-lab serve</code> printed when it started (it ends in <code>?token=</code>&hellip;).</p>
    </main>
  </body>
</html>
`;
}

/**
 * A fetch against a test server with the API key's bearer header and a JSON content type, as a
 * script calling the HTTP API would send them. Headers given in `init` are added on top.
 */
export const apiFetch =
  (baseUrl: () => string, apiKey: string) =>
  (path: string, init: RequestInit = {}): Promise<Response> =>
    fetch(`${baseUrl()}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${apiKey}`,
        'content-type': 'application/json',
        ...(init.headers as Record<string, string>),
      },
    });

// Shared helpers for the interop flows: read the scenario from stdin, print one JSON result.
import * as client from 'openid-client'

export async function readInput() {
  const chunks = []
  for await (const chunk of process.stdin) chunks.push(chunk)
  return JSON.parse(Buffer.concat(chunks).toString('utf8'))
}

export function done(result) {
  process.stdout.write(JSON.stringify(result))
}

// tier0 runs on plain http://127.0.0.1 in these tests; openid-client refuses that unless told.
// `basic` sends the secret in the Authorization header, otherwise in the form body (the
// library's default); tier0 accepts either for a secret client.
export async function discover(input, clientId, clientSecret, { basic = false } = {}) {
  const auth = basic ? client.ClientSecretBasic(clientSecret) : undefined
  return client.discovery(new URL(input.issuer), clientId, clientSecret, auth, {
    execute: [client.allowInsecureRequests],
  })
}

// A tiny cookie jar for driving the universal login with fetch.
export class Browser {
  constructor() { this.cookies = new Map() }
  header() { return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') }
  remember(response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';')
      const eq = pair.indexOf('=')
      const name = pair.slice(0, eq).trim()
      const value = pair.slice(eq + 1).trim()
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line) || value === '') this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
  }
  async get(url) {
    const response = await fetch(url, { redirect: 'manual', headers: { cookie: this.header() } })
    this.remember(response)
    return response
  }
  async post(url, form, origin) {
    const response = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        cookie: this.header(),
        'content-type': 'application/x-www-form-urlencoded',
        origin,
        'sec-fetch-site': 'same-origin',
      },
      body: new URLSearchParams(form),
    })
    this.remember(response)
    return response
  }
}

const decode = (s) => s.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>')

// The first <form> of a page: its action and every named input's value.
export function parseForm(html, baseUrl) {
  const form = html.match(/<form[^>]*>([\s\S]*?)<\/form>/i)
  if (!form) throw new Error('no form on the page')
  const action = form[0].match(/action="([^"]*)"/i)
  const fields = {}
  for (const input of form[1].matchAll(/<input[^>]*>/gi)) {
    const name = input[0].match(/name="([^"]*)"/i)
    const value = input[0].match(/value="([^"]*)"/i)
    if (name) fields[decode(name[1])] = value ? decode(value[1]) : ''
  }
  return { action: new URL(action ? decode(action[1]) : baseUrl, baseUrl).href, fields }
}

// Sign in through the universal login: follow redirects to the form, post the credentials,
// and return the URL tier0 finally sends the browser to (the client's callback).
export async function signIn(browser, authorizeUrl, email, password) {
  let response = await browser.get(authorizeUrl)
  let url = authorizeUrl
  for (let hops = 0; response.status >= 300 && response.status < 400 && hops < 5; hops++) {
    url = new URL(response.headers.get('location'), url).href
    response = await browser.get(url)
  }
  if (response.status !== 200) throw new Error(`login page: HTTP ${response.status}`)
  const { action, fields } = parseForm(await response.text(), url)
  const emailField = Object.keys(fields).find((k) => /email|username/i.test(k)) ?? 'email'
  const posted = await browser.post(action, { ...fields, [emailField]: email, password }, new URL(url).origin)
  if (posted.status !== 303) throw new Error(`login POST: expected 303, got ${posted.status}`)
  return new URL(posted.headers.get('location'), action).href
}

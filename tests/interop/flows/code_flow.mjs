// The whole browser-app life cycle, driven by openid-client (strict: issuer, iss parameter,
// state, nonce, PKCE, ID token signature and claims): sign-in with code + PKCE through the
// universal login, userinfo, introspection, refresh rotation, reuse detection, revocation,
// SSO and RP-initiated logout.
import * as client from 'openid-client'
import { Browser, discover, done, readInput, signIn } from './lib.mjs'

const input = await readInput()
const config = await discover(input, input.web.client_id, input.web.client_secret, { basic: true })
const redirect_uri = input.web.callback
const browser = new Browser()
const result = {}

async function authorize(extra = {}) {
  const code_verifier = client.randomPKCECodeVerifier()
  const state = extra.state ?? client.randomState()
  const nonce = extra.nonce ?? client.randomNonce()
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri,
    scope: 'openid profile email offline_access',
    code_challenge: await client.calculatePKCECodeChallenge(code_verifier),
    code_challenge_method: 'S256',
    audience: input.audience,
    ...extra,
    state,
    nonce,
  })
  return { url, code_verifier, state, nonce }
}

async function redeem(request, callback) {
  return client.authorizationCodeGrant(config, new URL(callback), {
    pkceCodeVerifier: request.code_verifier,
    expectedState: request.state,
    expectedNonce: request.nonce,
    idTokenExpected: true,
  })
}

async function errorOf(promise) {
  try {
    await promise
    return null
  } catch (error) {
    return error.error ?? error.code ?? String(error)
  }
}

// 1. Sign in: code + PKCE, a 1,500-character state and a 64-character nonce round-trip (OA-04).
const first = await authorize({ state: 's'.repeat(1500), nonce: 'n'.repeat(64) })
const callback = await signIn(browser, first.url.href, input.user.email, input.user.password)
const tokens = await redeem(first, callback)
const claims = tokens.claims()
result.id_token = { sub: claims.sub, nonce_ok: claims.nonce === first.nonce, amr: claims.amr, sid: claims.sid, auth_time: claims.auth_time }
result.callback_has_iss = new URL(callback).searchParams.get('iss') === input.issuer

// 2. Userinfo with the access token.
result.userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub)

// 3. Introspection of the access token and the refresh token.
result.introspect_at = await client.tokenIntrospection(config, tokens.access_token)
result.introspect_rt = await client.tokenIntrospection(config, tokens.refresh_token)

// 4. Refresh rotation, then reuse detection: the rotated-out token kills the family (OA-07).
const rotated = await client.refreshTokenGrant(config, tokens.refresh_token)
result.rotated_new_rt = rotated.refresh_token !== tokens.refresh_token
result.reuse_error = await errorOf(client.refreshTokenGrant(config, tokens.refresh_token))
result.family_error = await errorOf(client.refreshTokenGrant(config, rotated.refresh_token))

// 5. SSO: a second authorization with the live session needs no form.
const second = await authorize({ prompt: 'none' })
const silent = await browser.get(second.url.href)
const silentCallback = new URL(silent.headers.get('location'), second.url).href
const sso = await redeem(second, silentCallback)
result.sso_same_sub = sso.claims().sub === claims.sub

// 6. Revocation (RFC 7009): revoking the refresh token ends it and its access tokens.
await client.tokenRevocation(config, sso.refresh_token)
result.after_revoke_refresh_error = await errorOf(client.refreshTokenGrant(config, sso.refresh_token))
result.after_revoke_introspect_at = (await client.tokenIntrospection(config, sso.access_token)).active

// 7. RP-initiated logout with id_token_hint and an exact post_logout_redirect_uri.
const logoutUrl = client.buildEndSessionUrl(config, {
  id_token_hint: sso.id_token,
  post_logout_redirect_uri: input.web.logout_url,
  state: 'bye',
})
let response = await browser.get(logoutUrl.href)
if (response.status === 200) {
  const { parseForm } = await import('./lib.mjs')
  const form = parseForm(await response.text(), logoutUrl.href)
  response = await browser.post(form.action, form.fields, new URL(logoutUrl).origin)
}
const after = new URL(response.headers.get('location') ?? 'about:blank', logoutUrl)
result.logout_redirect = after.origin + after.pathname
result.logout_state = after.searchParams.get('state')

// 8. After logout, prompt=none needs a login again.
const third = await authorize({ prompt: 'none' })
const denied = await browser.get(third.url.href)
const deniedCallback = new URL(denied.headers.get('location'), third.url).href
result.after_logout_error = await errorOf(redeem(third, deniedCallback))

done(result)

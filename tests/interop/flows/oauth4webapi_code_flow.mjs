// The whole browser-app life cycle again, this time through oauth4webapi's own low-level,
// strict API (every response goes through the library's process*/validate* function):
// discovery, code + PKCE S256 with state and nonce through the universal login, the RFC 9207
// `iss` check on success and error responses (validateAuthResponse, OA-10), the ID token
// (claims, nonce, and its signature against the JWKS), the RFC 9068 access token, userinfo,
// introspection, refresh rotation and reuse detection (OA-07), code replay (OA-06),
// revocation, SSO, and RP-initiated logout built from the discovered end_session_endpoint
// (SE-04). The client authenticates with client_secret_post here, so the code, refresh,
// introspection and revocation endpoints see both methods across the two libraries.
import { createHash } from 'node:crypto'
import * as oauth from 'oauth4webapi'
import { Browser, done, parseForm, readInput, signIn } from './lib.mjs'

// tier0 runs on plain http://127.0.0.1 in these tests; oauth4webapi refuses http unless each
// request is told otherwise. Nothing else is relaxed.
const http = { [oauth.allowInsecureRequests]: true }

const input = await readInput()
const issuer = new URL(input.issuer)
const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, http))
const client = { client_id: input.web.client_id }
const clientAuth = oauth.ClientSecretPost(input.web.client_secret)
const redirect_uri = input.web.callback
const result = {
  iss_parameter_supported: as.authorization_response_iss_parameter_supported,
  end_session_endpoint: as.end_session_endpoint,
}

async function authorizationUrl(extra = {}, omit = []) {
  const url = new URL(as.authorization_endpoint)
  const code_verifier = oauth.generateRandomCodeVerifier()
  const state = oauth.generateRandomState()
  const nonce = oauth.generateRandomNonce()
  const params = {
    client_id: client.client_id,
    redirect_uri,
    response_type: 'code',
    scope: `openid profile email offline_access ${input.scope}`,
    audience: input.audience,
    code_challenge: await oauth.calculatePKCECodeChallenge(code_verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...extra,
  }
  for (const [name, value] of Object.entries(params)) {
    if (!omit.includes(name)) url.searchParams.set(name, value)
  }
  return { url, code_verifier, state, nonce, max_age: extra.max_age }
}

// The browser lands on the callback: RFC 9207 (the metadata says the parameter is supported,
// so validateAuthResponse refuses a response without `iss` or with another issuer) and state.
function callbackParams(request, callback) {
  return oauth.validateAuthResponse(as, client, new URL(callback), request.state)
}

async function redeem(request, params, code_verifier = request.code_verifier) {
  const response = await oauth.authorizationCodeGrantRequest(
    as, client, clientAuth, params, redirect_uri, code_verifier, http,
  )
  // With max_age sent, the library also requires auth_time and checks it against max_age.
  const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, {
    expectedNonce: request.nonce,
    maxAge: request.max_age === undefined ? undefined : Number(request.max_age),
    requireIdToken: true,
  })
  // The library validated the ID token's claims; over plain http the signature matters too.
  await oauth.validateApplicationLevelSignature(as, response, http)
  return tokens
}

async function refresh(refreshToken) {
  const response = await oauth.refreshTokenGrantRequest(as, client, clientAuth, refreshToken, http)
  const tokens = await oauth.processRefreshTokenResponse(as, client, response)
  if (tokens.id_token !== undefined) await oauth.validateApplicationLevelSignature(as, response, http)
  return tokens
}

// OIDC Core §3.1.3.6: at_hash is the left half of the hash of the access token, the hash being
// the one of the ID token's alg (SHA-512 for EdDSA, SHA-256 for everything tier0 signs with).
function atHashMatches(tokens) {
  const header = JSON.parse(Buffer.from(tokens.id_token.split('.')[0], 'base64url').toString('utf8'))
  const hash = ['EdDSA', 'Ed25519'].includes(header.alg) ? 'sha512' : 'sha256'
  const digest = createHash(hash).update(tokens.access_token).digest()
  const expected = digest.subarray(0, digest.length / 2).toString('base64url')
  return oauth.getValidatedIdTokenClaims(tokens).at_hash === expected
}

// The API's view of an access token: RFC 9068 validation (typ at+jwt, signature from the
// JWKS, iss, exp, aud, and the required claims present).
function apiView(accessToken) {
  const request = new Request(input.audience, { headers: { authorization: `Bearer ${accessToken}` } })
  return oauth.validateJwtAccessToken(as, request, input.audience, http)
}

async function userinfo(accessToken, sub) {
  const response = await oauth.userInfoRequest(as, client, accessToken, http)
  return oauth.processUserInfoResponse(as, client, sub, response)
}

async function introspect(token) {
  const response = await oauth.introspectionRequest(as, client, clientAuth, token, http)
  return oauth.processIntrospectionResponse(as, client, response)
}

async function revoke(token) {
  const response = await oauth.revocationRequest(as, client, clientAuth, token, http)
  return oauth.processRevocationResponse(response)
}

// The OAuth error code a rejected call carried; anything else (a library check failing on a
// malformed response) is rethrown so that the run fails loudly with the library's message.
async function oauthError(promise) {
  try {
    await promise
    return null
  } catch (error) {
    if (error instanceof oauth.ResponseBodyError || error instanceof oauth.AuthorizationResponseError) {
      return error.error
    }
    // A bearer-protected endpoint (userinfo) answers with a WWW-Authenticate challenge.
    if (error instanceof oauth.WWWAuthenticateChallengeError) {
      return error.cause.find((challenge) => challenge.scheme === 'bearer')?.parameters.error ?? null
    }
    throw error
  }
}

// A prompt=none authorization in `browser`: the validated callback parameters, or the error.
// With response_mode=form_post the parameters are the fields of the form tier0 renders, and
// validateAuthResponse holds them to the same rules (RFC 9207 covers every response mode).
async function silent(browser, extra = {}, omit = []) {
  const request = await authorizationUrl({ prompt: 'none', ...extra }, omit)
  const response = await browser.get(request.url.href)
  let callback
  if (extra.response_mode === 'form_post' && response.status === 200) {
    const form = parseForm(await response.text(), request.url.href)
    if (form.action !== redirect_uri) throw new Error(`form_post: the form posts to ${form.action}`)
    callback = new URL(redirect_uri)
    callback.search = new URLSearchParams(form.fields).toString()
  } else if (response.status === 302 || response.status === 303) {
    callback = new URL(response.headers.get('location'), request.url)
  } else {
    throw new Error(`prompt=none: HTTP ${response.status}`)
  }
  try {
    return { request, params: callbackParams(request, callback) }
  } catch (error) {
    if (error instanceof oauth.AuthorizationResponseError) return { request, error: error.error }
    throw error
  }
}

// 1. Sign in through the login form; the callback passes validateAuthResponse (OA-10).
const browser = new Browser()
const first = await authorizationUrl()
const callback = await signIn(browser, first.url.href, input.user.email, input.user.password)
result.callback_iss = new URL(callback).searchParams.get('iss')
const tokens = await redeem(first, callbackParams(first, callback))
const claims = oauth.getValidatedIdTokenClaims(tokens)
result.id_token = { sub: claims.sub, aud: claims.aud, nonce_ok: claims.nonce === first.nonce, amr: claims.amr }
result.token_type = tokens.token_type
result.at_hash_ok = atHashMatches(tokens)

// 2. The API's view of the access token (RFC 9068), then userinfo with it.
const at = await apiView(tokens.access_token)
result.access_token = { sub: at.sub, client_id: at.client_id, scope: at.scope, iss: at.iss, aud: at.aud }
result.userinfo = await userinfo(tokens.access_token, claims.sub)

// 3. Introspection of both tokens while they are live.
result.introspect_at = (await introspect(tokens.access_token)).active
result.introspect_rt = (await introspect(tokens.refresh_token)).active

// 4. Rotation: a new refresh token each time; the old one then fails and, presented again,
//    takes the new one with it (OA-07).
const rotated = await refresh(tokens.refresh_token)
result.rotated_new_rt = typeof rotated.refresh_token === 'string' && rotated.refresh_token !== tokens.refresh_token
const refreshedAt = await apiView(rotated.access_token)
result.refreshed_access_token = { sub: refreshedAt.sub, client_id: refreshedAt.client_id, scope: refreshedAt.scope }
// OIDC Core §12.2: a refreshed ID token keeps iss, sub, aud and auth_time, and any nonce it
// carries is the original one. The library validated it like any ID token.
const refreshed = oauth.getValidatedIdTokenClaims(rotated)
result.refreshed_id_token = refreshed && {
  same_iss_sub_aud: refreshed.iss === claims.iss && refreshed.sub === claims.sub && JSON.stringify(refreshed.aud) === JSON.stringify(claims.aud),
  same_auth_time: refreshed.auth_time === claims.auth_time,
  nonce_ok: refreshed.nonce === undefined || refreshed.nonce === claims.nonce,
  at_hash_ok: refreshed.at_hash === undefined || atHashMatches(rotated),
}
result.reuse_error = await oauthError(refresh(tokens.refresh_token))
result.family_error = await oauthError(refresh(rotated.refresh_token))

// 5. SSO: the live session answers prompt=none without the form; then RFC 7009 revocation
//    of the refresh token ends it and the access tokens issued with it.
const sso = await silent(browser, { max_age: '3600' })
if (sso.error) throw new Error(`SSO after sign-in failed: ${sso.error}`)
const ssoTokens = await redeem(sso.request, sso.params)
result.sso_same_sub = oauth.getValidatedIdTokenClaims(ssoTokens).sub === claims.sub
result.before_revoke_introspect_rt = (await introspect(ssoTokens.refresh_token)).active
await revoke(ssoTokens.refresh_token)
result.after_revoke_introspect_rt = (await introspect(ssoTokens.refresh_token)).active
result.after_revoke_introspect_at = (await introspect(ssoTokens.access_token)).active
result.after_revoke_refresh_error = await oauthError(refresh(ssoTokens.refresh_token))
result.after_revoke_userinfo_error = await oauthError(userinfo(ssoTokens.access_token, claims.sub))
// RFC 7009 §2.2: an invalid token is not an error for revocation; RFC 7662 §2.2: inactive.
result.revoke_unknown_error = await oauthError(revoke('not-a-token-tier0-issued'))
result.introspect_unknown = (await introspect('not-a-token-tier0-issued')).active

// 6. PKCE (OA-03): a request without code_challenge is refused on the callback (with `iss`),
//    and a code redeemed with another verifier gives invalid_grant.
result.no_pkce_error = (await silent(browser, {}, ['code_challenge', 'code_challenge_method'])).error ?? null
result.plain_pkce_error = (await silent(browser, { code_challenge_method: 'plain' })).error ?? null
const pkce = await silent(browser)
if (pkce.error) throw new Error(`SSO before the PKCE check failed: ${pkce.error}`)
result.wrong_verifier_error = await oauthError(redeem(pkce.request, pkce.params, oauth.generateRandomCodeVerifier()))

// 7. Code replay: the second redemption is refused and the first one's tokens die (OA-06).
const again = await silent(browser)
if (again.error) throw new Error(`SSO before code replay failed: ${again.error}`)
const once = await redeem(again.request, again.params)
result.code_replay_error = await oauthError(redeem(again.request, again.params))
result.after_replay_introspect_at = (await introspect(once.access_token)).active
result.after_replay_introspect_rt = (await introspect(once.refresh_token)).active

// 8. response_mode=form_post: the same checks on the posted fields, then the code redeems.
const posted = await silent(browser, { response_mode: 'form_post' })
if (posted.error) throw new Error(`form_post failed: ${posted.error}`)
result.form_post_iss = posted.params.get('iss')
const postedTokens = await redeem(posted.request, posted.params)
result.form_post_same_sub = oauth.getValidatedIdTokenClaims(postedTokens).sub === claims.sub
result.before_logout_introspect_rt = (await introspect(postedTokens.refresh_token)).active

// 9. RP-initiated logout from the discovered end_session_endpoint, with id_token_hint and the
//    registered post_logout_redirect_uri; tier0 asks the user to confirm, then redirects.
//    The cookies as they were before logout are kept to replay afterwards (SE-04).
//    A post_logout_redirect_uri that only starts like the registered one gets no redirect.
function endSessionUrl(postLogoutRedirectUri) {
  const url = new URL(as.end_session_endpoint)
  url.searchParams.set('id_token_hint', ssoTokens.id_token)
  url.searchParams.set('post_logout_redirect_uri', postLogoutRedirectUri)
  url.searchParams.set('state', 'bye')
  return url
}
const nearMiss = await browser.get(endSessionUrl(`${input.web.logout_url}/x`).href)
result.near_miss_logout = { status: nearMiss.status, location: nearMiss.headers.get('location') }
const oldCookies = new Map(browser.cookies)
const logoutUrl = endSessionUrl(input.web.logout_url)
let response = await browser.get(logoutUrl.href)
result.logout_confirmation_status = response.status
if (response.status === 200) {
  const form = parseForm(await response.text(), logoutUrl.href)
  response = await browser.post(form.action, form.fields, logoutUrl.origin)
}
const after = new URL(response.headers.get('location') ?? 'about:blank', logoutUrl)
result.logout_redirect = after.origin + after.pathname
result.logout_state = after.searchParams.get('state')
// OA-08: the refresh tokens issued in the session that ended are revoked with it.
result.after_logout_introspect_rt = (await introspect(postedTokens.refresh_token)).active
result.after_logout_refresh_error = await oauthError(refresh(postedTokens.refresh_token))

// 10. After logout, neither the browser nor a replay of its old cookies gets SSO; the error
//    response also carries `iss` (validateAuthResponse checks it before reporting the error).
result.after_logout_error = (await silent(browser)).error ?? null
const replay = new Browser()
replay.cookies = oldCookies
result.old_cookie_error = (await silent(replay)).error ?? null

done(result)

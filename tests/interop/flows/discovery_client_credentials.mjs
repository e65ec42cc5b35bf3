// Discovery, JWKS and the client credentials grant, checked by openid-client (strict issuer
// and metadata checks) and by oauth4webapi's RFC 9068 access-token validation.
import * as client from 'openid-client'
import * as oauth from 'oauth4webapi'
import { discover, done, readInput } from './lib.mjs'

const input = await readInput()
const config = await discover(input, input.m2m.client_id, input.m2m.client_secret)
const metadata = config.serverMetadata()
const tokens = await client.clientCredentialsGrant(config, { audience: input.audience, scope: input.scope })

// The resource-server view: validate the JWT access token as RFC 9068 says.
const as = await oauth.processDiscoveryResponse(
  new URL(input.issuer),
  await oauth.discoveryRequest(new URL(input.issuer), { [oauth.allowInsecureRequests]: true }),
)
const request = new Request(`${input.audience}`, { headers: { authorization: `Bearer ${tokens.access_token}` } })
const claims = await oauth.validateJwtAccessToken(as, request, input.audience, { [oauth.allowInsecureRequests]: true })

done({
  issuer: metadata.issuer,
  code_challenge_methods_supported: metadata.code_challenge_methods_supported,
  iss_parameter_supported: metadata.authorization_response_iss_parameter_supported,
  token_type: tokens.token_type,
  expires_in: tokens.expires_in,
  scope: tokens.scope,
  claims,
})

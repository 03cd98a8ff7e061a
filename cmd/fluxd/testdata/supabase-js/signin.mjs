// The real @supabase/supabase-js against fluxd's local sign-in, as the
// original frontend's server functions use it: sign up, sign in, refresh,
// read the user, call the Flux API with the access token, sign out, and
// check that the old refresh token is refused. Run by cmd/fluxd's
// TestSupabaseJS with FLUXD_URL and SUPABASE_ANON_KEY set; prints "ok" on
// success and exits non-zero naming the first check that failed.
import { createClient } from '@supabase/supabase-js'

const url = process.env.FLUXD_URL
const key = process.env.SUPABASE_ANON_KEY
if (!url || !key) {
  console.error('FAIL: set FLUXD_URL and SUPABASE_ANON_KEY')
  process.exit(2)
}

function check(cond, what, detail) {
  if (!cond) {
    console.error(`FAIL: ${what}${detail === undefined ? '' : ': ' + JSON.stringify(detail)}`)
    process.exit(1)
  }
}

// Node 20 has no WebSocket for Supabase Realtime, which this test never
// opens: a transport that refuses to connect keeps createClient happy.
class NoRealtime {
  constructor() {
    throw new Error('realtime is not used by this test')
  }
}
const supabase = createClient(url, key, {
  auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
  realtime: { transport: NoRealtime },
})
const email = `ada-${Date.now()}@example.com`
const password = 'correct horse battery'

// Sign up, as serverSignup does (options.data.name).
let { data, error } = await supabase.auth.signUp({ email, password, options: { data: { name: 'Ada Lovelace' } } })
check(!error, 'signUp', error)
check(data.session && data.session.access_token && data.session.refresh_token, 'signUp answers a session', data)
check(data.session.token_type === 'bearer' && data.session.expires_in === 3600 && data.session.expires_at > Date.now() / 1000, 'session times', data.session)
check(data.user && data.user.email === email && data.user.user_metadata.name === 'Ada Lovelace', 'signUp user', data.user)

// The errors the login card shows.
let res = await supabase.auth.signUp({ email, password })
check(res.error && res.error.message === 'User already registered' && res.error.code === 'user_already_exists' && res.error.status === 422,
  'signUp of a taken address', res.error)
res = await supabase.auth.signUp({ email: `short-${email}`, password: '123' })
check(res.error && res.error.name === 'AuthWeakPasswordError' && res.error.code === 'weak_password' &&
  JSON.stringify(res.error.reasons) === '["length"]', 'a weak password', res.error)
res = await supabase.auth.signInWithPassword({ email, password: 'wrong password' })
check(res.error && res.error.message === 'Invalid login credentials' && res.error.code === 'invalid_credentials' && res.error.status === 400,
  'a wrong password', res.error)

// Sign in, as serverLogin does.
;({ data, error } = await supabase.auth.signInWithPassword({ email, password }))
check(!error && data.session && data.user.email === email, 'signInWithPassword', error || data)
const signedIn = data.session

// Refresh: a new pair; the old refresh token is used up.
;({ data, error } = await supabase.auth.refreshSession({ refresh_token: signedIn.refresh_token }))
check(!error && data.session, 'refreshSession', error)
const refreshed = data.session
check(refreshed.refresh_token !== signedIn.refresh_token && refreshed.access_token !== signedIn.access_token, 'the refresh rotates', refreshed)

// getUser, as serverGetAccessToken does.
;({ data, error } = await supabase.auth.getUser())
check(!error && data.user && data.user.id === refreshed.user.id && data.user.email === email, 'getUser', error || data)
const { data: sessionData } = await supabase.auth.getSession()
check(sessionData.session && sessionData.session.access_token === refreshed.access_token, 'getSession', sessionData)

// The Flux API with the access token, as serverGetMe does.
let r = await fetch(`${url}/api/v1/account/me`, { headers: { Authorization: `Bearer ${refreshed.access_token}` } })
const me = await r.json()
check(r.status === 200 && me.id === data.user.id && me.email === email && me.name === 'Ada Lovelace' && me.onboarded === false,
  'GET /api/v1/account/me', { status: r.status, me })

// Google: the URL supabase-js builds answers Supabase's provider error.
const oauth = await supabase.auth.signInWithOAuth({ provider: 'google', options: { redirectTo: 'http://localhost:3000/auth/callback', skipBrowserRedirect: true } })
check(!oauth.error && oauth.data.url, 'signInWithOAuth builds a URL', oauth)
r = await fetch(oauth.data.url)
const oauthErr = await r.json()
check(r.status === 400 && oauthErr.msg === 'Unsupported provider: provider is not enabled', 'the OAuth URL', { status: r.status, oauthErr })

// Sign out; the refresh tokens and the access token are refused after.
;({ error } = await supabase.auth.signOut())
check(!error, 'signOut', error)
for (const old of [refreshed.refresh_token, signedIn.refresh_token]) {
  res = await supabase.auth.refreshSession({ refresh_token: old })
  check(res.error && res.error.status === 400 && res.error.code === 'refresh_token_not_found' && !res.data.session,
    'a refresh token after signOut', res.error)
}
r = await fetch(`${url}/api/v1/account/me`, { headers: { Authorization: `Bearer ${refreshed.access_token}` } })
check(r.status === 401, 'the access token after signOut', r.status)

console.log('ok')

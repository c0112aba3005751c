//! The HTTP client: talks to the bundled core or a real Django-CRM server.
//!
//! One [`Client`] is cheap to clone and shared by every request task. It adds the bearer token
//! and the org header, refreshes an expired access token once and retries, and turns every
//! failure into a [`ClientError`] with a readable message. Tokens never reach logs: [`Tokens`]
//! redacts itself in `Debug`.

pub mod dialect;
pub mod error;
pub mod records;
pub mod session;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue, WWW_AUTHENTICATE};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;
use url::Url;
use uuid::Uuid;

pub use dialect::{Dialect, MailRecipients, SignInMethod};
pub use error::ClientError;

use crate::model::{
    Account, AccountDetail, AccountFilter, AccountInput, AccountList, AccountStatus, Comment,
    CommentAdded, Contact, LoginRequest, LoginResponse, MailInput, MailSent, Patch, Profile,
    RefreshRequest, RefreshResponse,
};

/// An access token and, when the server gave one, a refresh token.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Tokens {
    pub access: String,
    #[serde(default)]
    pub refresh: Option<String>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tokens(<redacted>)")
    }
}

/// Called with the new tokens after a refresh, so that a stored session stays current.
pub type TokenSink = Arc<dyn Fn(&Tokens) + Send + Sync>;

/// Told how a transfer goes: bytes done, and the total when known.
pub type Progress = Arc<dyn Fn(u64, Option<u64>) + Send + Sync>;

/// A progress that is not watched.
pub fn no_progress() -> Progress {
    Arc::new(|_, _| {})
}

/// Removes a half-written file unless the write finished (a cancelled or failed transfer
/// leaves nothing behind).
struct Unfinished(Option<PathBuf>);

impl Unfinished {
    fn done(mut self) {
        self.0 = None;
    }
}

impl Drop for Unfinished {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Timeouts for every request.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub connect: Duration,
    pub request: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(5),
            request: Duration::from_secs(20),
        }
    }
}

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: Url,
    org: Option<Uuid>,
    tokens: Arc<Mutex<Option<Tokens>>>,
    /// Serializes refreshes: when several requests meet an expired token, one refreshes.
    refreshing: Arc<tokio::sync::Mutex<()>>,
    on_refresh: Option<TokenSink>,
    /// Found out on first need (see [`Client::dialect`]) and then kept, by every clone.
    dialect: Arc<tokio::sync::OnceCell<Dialect>>,
    /// BottleCRM tag ids by lower-case name, filled as names are looked up.
    tag_ids: Arc<Mutex<std::collections::HashMap<String, Uuid>>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base.as_str())
            .field("org", &self.org)
            .finish_non_exhaustive()
    }
}

/// Follows redirects on the same host only: a 307/308 re-sends the body (a password, a refresh
/// token), which must never go to a host the user did not name.
fn same_host_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let first = attempt
            .previous()
            .first()
            .map(|u| (u.host_str().map(str::to_owned), u.port_or_known_default()));
        let next = (
            attempt.url().host_str().map(str::to_owned),
            attempt.url().port_or_known_default(),
        );
        let downgrade = attempt
            .previous()
            .first()
            .is_some_and(|u| u.scheme() == "https")
            && attempt.url().scheme() != "https";
        if attempt.previous().len() > 5 {
            attempt.error("too many redirects")
        } else if first.is_some_and(|f| f.0 != next.0) || downgrade {
            let to = attempt
                .url()
                .host_str()
                .unwrap_or("another host")
                .to_string();
            attempt.error(format!(
                "the server redirected to {to}; only redirects on the same host are followed"
            ))
        } else {
            attempt.follow()
        }
    })
}

/// Installs the ring crypto provider for rustls once per process (reqwest is built without one).
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Whether a URL's host is this machine (where plain HTTP exposes nothing to a network).
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Parses a server URL with a trailing slash. Without a scheme it is `https://`, but for this
/// machine (`localhost`, `127.0.0.1`, `[::1]`), where it is `http://`.
pub fn parse_server_url(raw: &str) -> Result<Url, ClientError> {
    let raw = raw.trim();
    // Credentials in the URL would end up in the config, the keyring key and the header: refuse,
    // and never echo such a URL back.
    let shown = if raw.contains('@') {
        "(the URL given)".to_string()
    } else {
        format!("{raw:?}")
    };
    let with_scheme = if raw.contains("://") {
        raw.to_string()
    } else {
        match Url::parse(&format!("http://{raw}")) {
            Ok(u) if is_loopback(&u) => format!("http://{raw}"),
            _ => format!("https://{raw}"),
        }
    };
    let mut url = Url::parse(&with_scheme)
        .map_err(|e| ClientError::Local(format!("bad server URL {shown}: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ClientError::Local(format!(
            "bad server URL {shown}: use http:// or https://"
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ClientError::Local(
            "the server URL must not contain a user name or password (sign in instead)".into(),
        ));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

impl Client {
    pub fn new(
        server: &str,
        org: Option<Uuid>,
        tokens: Option<Tokens>,
        timeouts: Timeouts,
    ) -> Result<Client, ClientError> {
        install_crypto_provider();
        let base = parse_server_url(server)?;
        let http = reqwest::Client::builder()
            .redirect(same_host_redirects())
            .connect_timeout(timeouts.connect)
            .timeout(timeouts.request)
            .user_agent(concat!("crmtui/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ClientError::Local(format!("cannot set up HTTP: {e}")))?;
        Ok(Client {
            http,
            base,
            org,
            tokens: Arc::new(Mutex::new(tokens)),
            refreshing: Arc::new(tokio::sync::Mutex::new(())),
            on_refresh: None,
            dialect: Arc::new(tokio::sync::OnceCell::new()),
            tag_ids: Arc::new(Mutex::new(std::collections::HashMap::new())),
        })
    }

    /// A client that knows its dialect already (the embedded core): no request finds it out.
    pub fn with_dialect(self, dialect: Dialect) -> Client {
        let _ = self.dialect.set(dialect);
        self
    }

    /// The dialect, if a request has found it out already (the start-up probe does).
    pub fn known_dialect(&self) -> Option<Dialect> {
        self.dialect.get().copied()
    }

    /// Whom the mail composer may address on this server: any address, or only the account's
    /// contacts (whose addresses [`Client::send_mail`] turns into the ids BottleCRM wants).
    /// Before the dialect is known, any address.
    pub fn mail_recipients(&self) -> MailRecipients {
        self.known_dialect()
            .map_or(MailRecipients::Addresses, Dialect::mail_recipients)
    }

    /// Which API the server speaks, found out once with unauthenticated requests. A legacy
    /// Django-CRM 0.9 server is [`ClientError::Unsupported`].
    pub async fn dialect(&self) -> Result<Dialect, ClientError> {
        self.dialect
            .get_or_try_init(|| self.detect())
            .await
            .copied()
    }

    async fn detect(&self) -> Result<Dialect, ClientError> {
        let get = |path: &'static str| async move {
            let resp = self
                .http
                .get(self.url(path)?)
                .send()
                .await
                .map_err(|e| ClientError::from_reqwest(&e))?;
            let header = |name| {
                resp.headers()
                    .get(name)
                    .and_then(|v: &HeaderValue| v.to_str().ok())
                    .unwrap_or("")
                    .to_ascii_lowercase()
            };
            Ok::<_, ClientError>((
                resp.status().as_u16(),
                header(CONTENT_TYPE),
                header(WWW_AUTHENTICATE),
            ))
        };
        // BottleCRM has `/api/auth/me/` and asks for a bearer token there; the core has no such
        // route (404).
        let (status, content_type, challenge) = get("api/auth/me/").await?;
        if matches!(status, 200 | 401 | 403)
            && content_type.contains("json")
            && (status != 401 || challenge.starts_with("bearer"))
        {
            tracing::info!(dialect = "bottlecrm", "server dialect");
            return Ok(Dialect::BottleCrm);
        }
        // Django-CRM 0.9 challenges with its own `JWT` scheme.
        let (_, _, challenge) = get("api/profile/").await?;
        if challenge.starts_with("jwt") {
            return Err(ClientError::Unsupported(dialect::LEGACY_REFUSAL.into()));
        }
        tracing::info!(dialect = "core", "server dialect");
        Ok(Dialect::Core)
    }

    pub fn with_refresh_sink(mut self, sink: TokenSink) -> Client {
        self.on_refresh = Some(sink);
        self
    }

    pub fn base(&self) -> &Url {
        &self.base
    }

    pub fn org(&self) -> Option<Uuid> {
        self.org
    }

    pub fn set_org(&mut self, org: Option<Uuid>) {
        self.org = org;
    }

    pub fn tokens(&self) -> Option<Tokens> {
        self.tokens.lock().ok().and_then(|t| t.clone())
    }

    pub fn set_tokens(&self, tokens: Option<Tokens>) {
        if let Ok(mut t) = self.tokens.lock() {
            *t = tokens;
        }
    }

    fn url(&self, path: &str) -> Result<Url, ClientError> {
        // Always join, then check the origin: `https:evil.com/x` or `\\evil.com/x` are not
        // "absolute" by a `://` test but still join to another host, which must not get the token.
        // The link itself is never echoed: it may carry a signed query.
        let relative = if path.contains("://") {
            path
        } else {
            path.trim_start_matches('/')
        };
        let url = self
            .base
            .join(relative)
            .map_err(|e| ClientError::Local(format!("bad link: {e}")))?;
        if url.origin() != self.base.origin() {
            return Err(ClientError::Local(
                "link points to another server; not sending the token there".into(),
            ));
        }
        Ok(url)
    }

    fn headers(&self) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(tokens) = self.tokens()
            && let Ok(mut v) = HeaderValue::from_str(&format!("Bearer {}", tokens.access))
        {
            v.set_sensitive(true);
            h.insert(AUTHORIZATION, v);
        }
        if let Some(org) = self.org
            && let Ok(v) = HeaderValue::from_str(&org.to_string())
        {
            h.insert("organization-id", v.clone());
            h.insert("org", v);
        }
        h
    }

    /// Sends a request built by `build` (called again for the retry after a refresh).
    async fn send(
        &self,
        build: impl Fn(&reqwest::Client) -> Result<RequestBuilder, ClientError>,
    ) -> Result<Response, ClientError> {
        let sent_with = self.tokens();
        let resp = build(&self.http)?
            .headers(self.headers())
            .send()
            .await
            .map_err(|e| ClientError::from_reqwest(&e))?;
        match resp.status() {
            StatusCode::UNAUTHORIZED => {}
            // BottleCRM answers an expired token with 403 and "… Please login again.".
            StatusCode::FORBIDDEN => {
                let err = read_error(resp).await;
                if !matches!(err, ClientError::SessionExpired(_)) {
                    return Err(err);
                }
            }
            _ => return Ok(resp),
        }
        self.refresh(sent_with).await?;
        build(&self.http)?
            .headers(self.headers())
            .send()
            .await
            .map_err(|e| ClientError::from_reqwest(&e))
    }

    /// Gets a new access token, unless another request already did since `stale` was used.
    async fn refresh(&self, stale: Option<Tokens>) -> Result<(), ClientError> {
        let _guard = self.refreshing.lock().await;
        let current = self.tokens();
        if current != stale && current.is_some() {
            return Ok(());
        }
        let Some(refresh) = current.and_then(|t| t.refresh) else {
            return Err(ClientError::SessionExpired(
                "the server refused the token".into(),
            ));
        };
        let url = self.url("api/auth/refresh-token/")?;
        let resp = self
            .http
            .post(url)
            .json(&RefreshRequest {
                refresh: refresh.clone(),
            })
            .send()
            .await
            .map_err(|e| ClientError::from_reqwest(&e))?;
        if !resp.status().is_success() {
            // Only a refusal of the refresh token means the session is dead; a 5xx or a proxy
            // page is an ordinary failure, and signing in again would not help.
            let dead = matches!(resp.status().as_u16(), 400 | 401 | 403);
            let err = read_error(resp).await;
            if !dead {
                tracing::info!(error = %err, "token refresh failed");
                return Err(err);
            }
            tracing::info!(error = %err, "token refresh refused");
            return Err(ClientError::SessionExpired(err.to_string()));
        }
        let body: RefreshResponse = read_json(resp).await?;
        let tokens = Tokens {
            access: body.access,
            refresh: Some(body.refresh.unwrap_or(refresh)),
        };
        self.set_tokens(Some(tokens.clone()));
        tracing::info!("access token refreshed");
        if let Some(sink) = &self.on_refresh {
            sink(&tokens);
        }
        Ok(())
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<T, ClientError> {
        let url = self.url(path)?;
        let resp = self
            .send(|http| {
                let rb = http.request(method.clone(), url.clone());
                Ok(match body {
                    Some(b) => rb.json(b),
                    None => rb,
                })
            })
            .await?;
        read_json(check(resp).await?).await
    }

    async fn call_empty(&self, method: Method, path: &str) -> Result<(), ClientError> {
        let url = self.url(path)?;
        let resp = self
            .send(|http| Ok(http.request(method.clone(), url.clone())))
            .await?;
        check(resp).await.map(drop)
    }

    fn json<T: serde::Serialize>(value: &T) -> Result<serde_json::Value, ClientError> {
        serde_json::to_value(value)
            .map_err(|e| ClientError::Local(format!("cannot encode the request: {e}")))
    }

    // --- auth ---------------------------------------------------------------------------------

    /// Signs in with a password; on success the client uses the new tokens.
    pub async fn login(&self, email: &str, password: &str) -> Result<LoginResponse, ClientError> {
        let url = self.url("api/auth/login/")?;
        let req = LoginRequest {
            email: email.to_string(),
            password: password.to_string(),
        };
        let resp = self
            .http
            .post(url)
            .json(&req)
            .send()
            .await
            .map_err(|e| ClientError::from_reqwest(&e))?;
        if matches!(resp.status().as_u16(), 404 | 405) {
            // No password sign-in here: say how this server signs in instead.
            match self.dialect().await? {
                Dialect::BottleCrm => return Err(ClientError::Unsupported(
                    "this BottleCRM server signs in with an emailed code, not a password: run `crmtui login --server URL --email EMAIL`, or use a personal access token (`--token`)".into(),
                )),
                Dialect::Core => {}
            }
        }
        let answer: LoginResponse = match read_json(check(resp).await?).await {
            Ok(a) => a,
            // Django-CRM 0.9 answers `{"token"}`: the dialect check names it.
            Err(e) => {
                return Err(match self.dialect().await {
                    Err(legacy @ ClientError::Unsupported(_)) => legacy,
                    _ => e,
                });
            }
        };
        self.set_tokens(Some(Tokens {
            access: answer.access_token.clone(),
            refresh: Some(answer.refresh_token.clone()),
        }));
        Ok(answer)
    }

    pub async fn profile(&self) -> Result<Profile, ClientError> {
        match self.dialect().await? {
            Dialect::Core => self.call(Method::GET, "api/profile/", None).await,
            Dialect::BottleCrm => {
                // The profile names no org; the org settings name the token's org.
                let (profile, org) = tokio::join!(
                    self.get_bytes("api/profile/"),
                    self.get_bytes("api/org/settings/")
                );
                dialect::bottle_profile(&profile?, &org?).map_err(ClientError::Decode)
            }
        }
    }

    async fn get_bytes(&self, path: &str) -> Result<bytes::Bytes, ClientError> {
        let url = self.url(path)?;
        let resp = check(self.send(|http| Ok(http.get(url.clone()))).await?).await?;
        resp.bytes()
            .await
            .map_err(|e| ClientError::from_reqwest(&e))
    }

    /// Sends `body` with `method` and returns the answer's bytes, any success status.
    async fn send_json(
        &self,
        method: Method,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<bytes::Bytes, ClientError> {
        let url = self.url(path)?;
        let resp = self
            .send(|http| Ok(http.request(method.clone(), url.clone()).json(body)))
            .await?;
        check(resp)
            .await?
            .bytes()
            .await
            .map_err(|e| ClientError::from_reqwest(&e))
    }

    // --- BottleCRM sign-in ----------------------------------------------------------------------

    /// Asks the server to retire the session's refresh token, where it can (BottleCRM's
    /// `/api/auth/logout/`). `false` when there is nothing to retire or the server cannot.
    pub async fn sign_out(&self) -> Result<bool, ClientError> {
        let Some(refresh) = self.tokens().and_then(|t| t.refresh) else {
            return Ok(false);
        };
        if self.dialect().await? != Dialect::BottleCrm {
            return Ok(false);
        }
        let url = self.url("api/auth/logout/")?;
        let resp = self
            .http
            .post(url)
            .json(&serde_json::json!({ "refresh": refresh }))
            .send()
            .await
            .map_err(|e| ClientError::from_reqwest(&e))?;
        check(resp).await.map(|_| true)
    }

    /// Asks BottleCRM to email a 6-digit sign-in code to `email`. The server answers the same
    /// whether or not the address is known (and sends nothing after 5 codes an hour).
    pub async fn request_code(&self, email: &str) -> Result<(), ClientError> {
        let url = self.url("api/auth/magic-link/request/")?;
        let resp = self
            .http
            .post(url)
            .json(&serde_json::json!({"email": email, "delivery": "code"}))
            .send()
            .await
            .map_err(|e| ClientError::from_reqwest(&e))?;
        check(resp).await.map(drop)
    }

    /// Exchanges an emailed code for tokens; on success the client uses them.
    pub async fn verify_code(
        &self,
        email: &str,
        code: &str,
    ) -> Result<dialect::CodeSignIn, ClientError> {
        let url = self.url("api/auth/magic-link/verify-code/")?;
        let resp = self
            .http
            .post(url)
            .json(&serde_json::json!({"email": email, "code": code.trim()}))
            .send()
            .await
            .map_err(|e| ClientError::from_reqwest(&e))?;
        let resp = match check(resp).await {
            // "Invalid or expired code" is a 400: a refused sign-in, not a form error.
            Err(ClientError::Api {
                status: 400,
                message,
                ..
            }) => return Err(ClientError::SessionExpired(message)),
            other => other?,
        };
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| ClientError::from_reqwest(&e))?;
        let answer = dialect::code_sign_in(&bytes).map_err(ClientError::Decode)?;
        self.set_tokens(Some(Tokens {
            access: answer.access.clone(),
            refresh: Some(answer.refresh.clone()),
        }));
        Ok(answer)
    }

    /// Binds the session to `org` (BottleCRM keeps the org in the token): new tokens replace
    /// the current ones, the old refresh token is retired, and the refresh sink keeps the new
    /// ones. A personal access token belongs to one org and cannot switch.
    pub async fn switch_org(&self, org: Uuid) -> Result<dialect::CodeSignIn, ClientError> {
        let refresh = self.tokens().and_then(|t| t.refresh);
        let mut body = serde_json::json!({"org_id": org.to_string()});
        if let Some(r) = &refresh {
            body["refresh"] = serde_json::Value::String(r.clone());
        }
        let bytes = self
            .send_json(Method::POST, "api/auth/switch-org/", &body)
            .await?;
        let mut answer = dialect::code_sign_in(&bytes).map_err(ClientError::Decode)?;
        answer.current_org = answer.current_org.or(Some(org));
        let tokens = Tokens {
            access: answer.access.clone(),
            refresh: Some(answer.refresh.clone()),
        };
        self.set_tokens(Some(tokens.clone()));
        if let Some(sink) = &self.on_refresh {
            sink(&tokens);
        }
        Ok(answer)
    }

    // --- accounts -----------------------------------------------------------------------------

    /// One page of each of the open and closed lists, `limit` rows from `offset`.
    pub async fn accounts(
        &self,
        filter: &AccountFilter,
        limit: usize,
        offset: usize,
    ) -> Result<AccountList, ClientError> {
        let dialect = self.dialect().await?;
        let bottle_tags = match dialect {
            Dialect::BottleCrm if !filter.tags.is_empty() => {
                let (ids, unknown) = self.lookup_tags(&filter.tags, false).await?;
                if ids.is_empty() && !unknown.is_empty() {
                    // No tag of that name: nothing can match, and the server would ignore
                    // an empty tag filter and list everything.
                    return Ok(AccountList {
                        open_accounts: Vec::new(),
                        closed_accounts: Vec::new(),
                        accounts_count: 0,
                        open_accounts_count: 0,
                        closed_accounts_count: 0,
                        contacts: Vec::new(),
                        users: Vec::new(),
                        teams: Vec::new(),
                    });
                }
                Some(ids)
            }
            _ => None,
        };
        let mut url = self.url("api/accounts/")?;
        {
            let mut q = url.query_pairs_mut();
            for (key, value) in [
                ("name", &filter.name),
                ("city", &filter.city),
                ("industry", &filter.industry),
            ] {
                if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
                    q.append_pair(key, v);
                }
            }
            match &bottle_tags {
                // BottleCRM filters by tag ids, the parameter repeated.
                Some(ids) => {
                    for id in ids {
                        q.append_pair("tags", &id.to_string());
                    }
                }
                None if !filter.tags.is_empty() => {
                    q.append_pair("tags", &filter.tags.join(","));
                }
                None => {}
            }
            if let Some(status) = filter.status {
                match dialect {
                    Dialect::Core => q.append_pair("status", status.as_str()),
                    Dialect::BottleCrm => {
                        q.append_pair("is_active", dialect::bottle_status_param(status))
                    }
                };
            }
            q.append_pair("limit", &limit.to_string());
            q.append_pair("offset", &offset.to_string());
        }
        let resp = check(self.send(|http| Ok(http.get(url.clone()))).await?).await?;
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| ClientError::from_reqwest(&e))?;
        dialect::account_list(&bytes).map_err(ClientError::Decode)
    }

    pub async fn account(&self, id: Uuid) -> Result<AccountDetail, ClientError> {
        let url = self.url(&format!("api/accounts/{id}/"))?;
        let resp = check(self.send(|http| Ok(http.get(url.clone()))).await?).await?;
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| ClientError::from_reqwest(&e))?;
        dialect::account_detail(&bytes).map_err(ClientError::Decode)
    }

    /// Creates an account. Real servers answer `{"id": ...}` rather than the account: then the
    /// account is fetched.
    pub async fn create_account(&self, input: &AccountInput) -> Result<Account, ClientError> {
        let body = self.account_body(input).await?;
        let value: serde_json::Value = self
            .call(Method::POST, "api/accounts/", Some(&body))
            .await
            .map_err(|e| self.our_fields(e))?;
        self.account_from_answer(value).await
    }

    /// The account body in the server's dialect (BottleCRM: its names, tag ids).
    async fn account_body(&self, input: &AccountInput) -> Result<serde_json::Value, ClientError> {
        match self.dialect().await? {
            Dialect::Core => Self::json(input),
            Dialect::BottleCrm => {
                let tag_ids = match input.tags.clone() {
                    Patch::Absent => None,
                    Patch::Null => Some(Vec::new()),
                    Patch::Value(names) => {
                        let (ids, unknown) = self.lookup_tags(&names, true).await?;
                        if !unknown.is_empty() {
                            let message = format!(
                                "no tag {} on this server (only an admin can create tags)",
                                unknown.join(", ")
                            );
                            return Err(ClientError::Api {
                                status: 400,
                                message: message.clone(),
                                fields: [("tags".to_string(), message)].into(),
                            });
                        }
                        Some(ids)
                    }
                };
                Ok(dialect::bottle_account_body(input, tag_ids))
            }
        }
    }

    /// BottleCRM's field names in a validation error, as the forms know them.
    fn our_fields(&self, e: ClientError) -> ClientError {
        match (self.known_dialect(), e) {
            (
                Some(Dialect::BottleCrm),
                ClientError::Api {
                    status,
                    message,
                    fields,
                },
            ) => ClientError::Api {
                status,
                message,
                fields: fields
                    .into_iter()
                    .map(|(k, v)| (dialect::our_field_name(&k).to_string(), v))
                    .collect(),
            },
            (_, e) => e,
        }
    }

    /// Ids of the BottleCRM tags named `names` (any case), and the names no tag has. With
    /// `create`, missing tags are created first (BottleCRM lets only admins do that; for
    /// others they stay missing).
    async fn lookup_tags(
        &self,
        names: &[String],
        create: bool,
    ) -> Result<(Vec<Uuid>, Vec<String>), ClientError> {
        let cached = |names: &[String]| {
            let map = self.tag_ids.lock().map(|m| m.clone()).unwrap_or_default();
            let mut ids = Vec::new();
            let mut missing = Vec::new();
            for n in names {
                let n = n.trim();
                if n.is_empty() {
                    continue;
                }
                match map.get(&n.to_lowercase()) {
                    Some(id) if !ids.contains(id) => ids.push(*id),
                    Some(_) => {}
                    None => missing.push(n.to_string()),
                }
            }
            (ids, missing)
        };
        let (_, missing) = cached(names);
        if missing.is_empty() {
            return Ok(cached(names));
        }
        // A name not seen yet: the tags may have changed since, so read them all again.
        let fresh =
            dialect::tag_ids(&self.get_bytes("api/tags/").await?).map_err(ClientError::Decode)?;
        if let Ok(mut map) = self.tag_ids.lock() {
            map.extend(fresh);
        }
        let (_, missing) = cached(names);
        if create {
            for name in &missing {
                let made = self
                    .send_json(
                        Method::POST,
                        "api/tags/",
                        &serde_json::json!({"name": name}),
                    )
                    .await;
                match made {
                    Ok(bytes) => {
                        let tag = serde_json::from_slice::<serde_json::Value>(&bytes)
                            .ok()
                            .and_then(|v| {
                                let id = v.get("tag")?.get("id")?.as_str()?.to_string();
                                Uuid::parse_str(&id).ok()
                            });
                        if let (Some(id), Ok(mut map)) = (tag, self.tag_ids.lock()) {
                            map.insert(name.to_lowercase(), id);
                        }
                    }
                    Err(ClientError::Api {
                        status: 400 | 403, ..
                    }) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(cached(names))
    }

    /// Changes the fields present in `input` (PATCH: partial on every dialect).
    pub async fn update_account(
        &self,
        id: Uuid,
        input: &AccountInput,
    ) -> Result<Account, ClientError> {
        let body = self.account_body(input).await?;
        let value: serde_json::Value = self
            .call(Method::PATCH, &format!("api/accounts/{id}/"), Some(&body))
            .await
            .map_err(|e| self.our_fields(e))?;
        match self.account_from_answer(value).await {
            Ok(a) => Ok(a),
            Err(_) => self.account(id).await.map(|d| d.account_obj),
        }
    }

    async fn account_from_answer(
        &self,
        mut value: serde_json::Value,
    ) -> Result<Account, ClientError> {
        dialect::normalize_account(&mut value);
        if let Ok(account) = serde_json::from_value::<Account>(value.clone()) {
            return Ok(account);
        }
        let id = value
            .get("id")
            .and_then(|v| v.as_str())
            .and_then(|s| Uuid::parse_str(s).ok());
        match id {
            Some(id) => self.account(id).await.map(|d| d.account_obj),
            None => Err(ClientError::Decode("the answer names no account".into())),
        }
    }

    pub async fn delete_account(&self, id: Uuid) -> Result<(), ClientError> {
        self.call_empty(Method::DELETE, &format!("api/accounts/{id}/"))
            .await
    }

    pub async fn add_comment(
        &self,
        account: Uuid,
        text: &str,
    ) -> Result<CommentAdded, ClientError> {
        let body = comment_body(text)?;
        let bytes = self
            .send_json(Method::POST, &format!("api/accounts/{account}/"), &body)
            .await?;
        dialect::comment_added(&bytes, account, Some(text), None).map_err(ClientError::Decode)
    }

    /// Changes a comment's text. The core answers with the comment; BottleCRM only says it is
    /// saved (`None`).
    pub async fn edit_comment(
        &self,
        comment: Uuid,
        text: &str,
    ) -> Result<Option<Comment>, ClientError> {
        let body = comment_body(text)?;
        let value: serde_json::Value = self
            .call(
                Method::PUT,
                &format!("api/accounts/comment/{comment}/"),
                Some(&body),
            )
            .await?;
        Ok(serde_json::from_value(value).ok())
    }

    pub async fn delete_comment(&self, comment: Uuid) -> Result<(), ClientError> {
        self.call_empty(Method::DELETE, &format!("api/accounts/comment/{comment}/"))
            .await
    }

    /// Uploads the file at `path` as an attachment of `account`.
    pub async fn add_attachment(
        &self,
        account: Uuid,
        path: &Path,
    ) -> Result<CommentAdded, ClientError> {
        self.add_attachment_with(account, path, no_progress()).await
    }

    /// [`Client::add_attachment`], telling `progress` as the bytes leave.
    pub async fn add_attachment_with(
        &self,
        account: Uuid,
        path: &Path,
        progress: Progress,
    ) -> Result<CommentAdded, ClientError> {
        let field = match self.dialect().await? {
            Dialect::Core => "attachment",
            Dialect::BottleCrm => "account_attachment",
        };
        let (bytes, file_name) = self
            .post_file(&format!("api/accounts/{account}/"), field, path, progress)
            .await?;
        dialect::comment_added(&bytes, account, None, Some(&file_name)).map_err(ClientError::Decode)
    }

    /// Posts the file at `path` as the multipart field `field`; the answer and the file's name.
    pub(crate) async fn post_file(
        &self,
        to: &str,
        field: &str,
        path: &Path,
        progress: Progress,
    ) -> Result<(bytes::Bytes, String), ClientError> {
        let bytes = bytes::Bytes::from(
            tokio::fs::read(path)
                .await
                .map_err(|e| ClientError::Local(format!("cannot read {}: {e}", path.display())))?,
        );
        let total = bytes.len() as u64;
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "attachment".into());
        let mime = mime_guess::from_path(path)
            .first_or_octet_stream()
            .to_string();
        let url = self.url(to)?;
        let field = field.to_string();
        let resp = self
            .send(|http| {
                // The file in chunks, each counted as it leaves (a retry counts again).
                let chunks: Vec<bytes::Bytes> = (0..bytes.len())
                    .step_by(64 * 1024)
                    .map(|at| bytes.slice(at..(at + 64 * 1024).min(bytes.len())))
                    .collect();
                let progress = progress.clone();
                let mut sent = 0u64;
                let stream = futures_util::stream::iter(chunks.into_iter().map(move |c| {
                    sent += c.len() as u64;
                    progress(sent, Some(total));
                    Ok::<_, std::io::Error>(c)
                }));
                let part = reqwest::multipart::Part::stream_with_length(
                    reqwest::Body::wrap_stream(stream),
                    total,
                )
                .file_name(file_name.clone())
                .mime_str(&mime)
                .map_err(|e| ClientError::Local(format!("bad file type: {e}")))?;
                Ok(http
                    .post(url.clone())
                    .multipart(reqwest::multipart::Form::new().part(field.clone(), part)))
            })
            .await?;
        let bytes = check(resp)
            .await?
            .bytes()
            .await
            .map_err(|e| ClientError::from_reqwest(&e))?;
        Ok((bytes, file_name))
    }

    /// Downloads an attachment (its `attachment` link) to `dest`; returns the bytes written.
    pub async fn download(&self, link: &str, dest: &Path) -> Result<u64, ClientError> {
        self.download_with(link, dest, no_progress()).await
    }

    /// [`Client::download`], telling `progress` as the bytes come. Dropped half-way (a
    /// cancel), it leaves no file behind.
    pub async fn download_with(
        &self,
        link: &str,
        dest: &Path,
        progress: Progress,
    ) -> Result<u64, ClientError> {
        use tokio::io::AsyncWriteExt;
        let url = self.url(link)?;
        let mut resp = check(self.send(|http| Ok(http.get(url.clone()))).await?).await?;
        let total = resp.content_length();
        // A fresh name, created exclusively and never through a symlink: nothing planted at a
        // guessable path can redirect the write.
        let tmp = dest.with_extension(format!("crmtui-part-{}", Uuid::new_v4().simple()));
        let mut options = tokio::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        options.custom_flags(libc::O_NOFOLLOW);
        let mut file = options
            .open(&tmp)
            .await
            .map_err(|e| ClientError::Local(format!("cannot write {}: {e}", dest.display())))?;
        let unfinished = Unfinished(Some(tmp.clone()));
        let mut written = 0u64;
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    written += chunk.len() as u64;
                    progress(written, total);
                    if let Err(e) = file.write_all(&chunk).await {
                        let _ = tokio::fs::remove_file(&tmp).await;
                        return Err(ClientError::Local(format!(
                            "cannot write {}: {e}",
                            dest.display()
                        )));
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    let _ = tokio::fs::remove_file(&tmp).await;
                    return Err(ClientError::from_reqwest(&e));
                }
            }
        }
        file.flush()
            .await
            .map_err(|e| ClientError::Local(format!("cannot write {}: {e}", dest.display())))?;
        drop(file);
        tokio::fs::rename(&tmp, dest)
            .await
            .map_err(|e| ClientError::Local(format!("cannot write {}: {e}", dest.display())))?;
        unfinished.done();
        Ok(written)
    }

    pub async fn delete_attachment(&self, attachment: Uuid) -> Result<(), ClientError> {
        self.call_empty(
            Method::DELETE,
            &format!("api/accounts/attachment/{attachment}/"),
        )
        .await
    }

    /// Sends (or schedules) a mail about `account`. To BottleCRM, which mails only the
    /// account's contacts and takes their ids, each recipient must be a contact's address (or
    /// id): they are looked up in the account's contacts, and any other is a field error.
    pub async fn send_mail(
        &self,
        account: Uuid,
        mail: &MailInput,
    ) -> Result<MailSent, ClientError> {
        let path = format!("api/accounts/{account}/create_mail/");
        match self.dialect().await? {
            Dialect::Core => {
                self.call(Method::POST, &path, Some(&Self::json(mail)?))
                    .await
            }
            Dialect::BottleCrm => {
                let contacts = self.account_contacts(account).await?;
                let ids = dialect::recipient_ids(&mail.recipients, &contacts).map_err(|unknown| {
                    let message = format!(
                        "not a contact of this account: {} (this server mails only the account's contacts)",
                        unknown.join(", ")
                    );
                    ClientError::Api {
                        status: 400,
                        message: message.clone(),
                        fields: [("recipients".to_string(), message)].into(),
                    }
                })?;
                let body = dialect::bottle_mail_body(mail, &ids);
                let bytes = self
                    .send_json(Method::POST, &path, &body)
                    .await
                    .map_err(|e| self.our_fields(e))?;
                dialect::bottle_mail_sent(&bytes).map_err(ClientError::Decode)
            }
        }
    }

    /// The contacts of `account` (from its detail): whom the composer offers when the server
    /// mails only contacts ([`MailRecipients::AccountContacts`]).
    pub async fn account_contacts(&self, account: Uuid) -> Result<Vec<Contact>, ClientError> {
        self.account(account).await.map(|d| d.contacts)
    }

    /// Closes or reopens an account.
    pub async fn set_status(
        &self,
        id: Uuid,
        status: AccountStatus,
    ) -> Result<Account, ClientError> {
        let input = AccountInput {
            status: status.into(),
            ..Default::default()
        };
        self.update_account(id, &input).await
    }
}

/// Passes a success through and turns a failure into its error.
async fn check(resp: Response) -> Result<Response, ClientError> {
    if resp.status().is_success() {
        return Ok(resp);
    }
    Err(read_error(resp).await)
}

/// The body of a comment post or edit, from the model type the server also reads.
fn comment_body(text: &str) -> Result<serde_json::Value, ClientError> {
    serde_json::to_value(crate::model::CommentInput {
        is_internal: None,
        comment: Some(text.to_string()),
    })
    .map_err(|e| ClientError::Local(format!("cannot encode the comment: {e}")))
}

async fn read_error(resp: Response) -> ClientError {
    let status = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = resp.bytes().await.unwrap_or_default();
    error::from_failure(status, &content_type, &body)
}

async fn read_json<T: DeserializeOwned>(resp: Response) -> Result<T, ClientError> {
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| ClientError::from_reqwest(&e))?;
    decode(&bytes)
}

/// Reads a success body as `T` (the core's answers: login, refresh, profile, mail, …). Pure, so
/// that it can be fuzzed without a server.
pub fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, ClientError> {
    serde_json::from_slice(body)
        .map_err(|e| ClientError::Decode(error::one_line(&e.to_string(), 160)))
}

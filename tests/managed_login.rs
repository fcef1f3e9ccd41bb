//! A browser played with an HTTP client, for the code flow's tests without a real browser: it
//! follows the authorize redirect to the managed login page, keeps its cookies (the
//! `XSRF-TOKEN` of the CSRF double submit among them), fills the sign-in form (its hidden
//! fields, `_csrf` included, kept) and hands back where the sign-in redirects: the app's
//! `redirect_uri` with `code` and `state`. Only loopback addresses are ever contacted.

use std::collections::BTreeMap;

/// One browser: a cookie jar and an HTTP client that follows no redirect by itself.
#[derive(Debug)]
pub struct ManagedLoginBrowser {
    http: reqwest::Client,
    cookies: BTreeMap<String, String>,
}

/// A page as the browser received it.
#[derive(Debug)]
pub struct Page {
    /// The HTTP status.
    pub status: u16,
    /// `Location`, resolved against the page's URL.
    pub location: Option<String>,
    /// The body.
    pub body: String,
}

impl Default for ManagedLoginBrowser {
    fn default() -> Self {
        Self::new()
    }
}

impl ManagedLoginBrowser {
    /// A browser with no cookies.
    pub fn new() -> Self {
        ManagedLoginBrowser {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .no_proxy()
                .build()
                .expect("an HTTP client"),
            cookies: BTreeMap::new(),
        }
    }

    /// Sends a request with the jar's cookies; keeps the cookies the answer sets.
    pub async fn send(&mut self, method: &str, url: &str, form: Option<&[(&str, &str)]>) -> Page {
        // `localhost` is the redirect URI Cognito allows over plain HTTP; the loopback
        // receiver listens on 127.0.0.1.
        let url = url.replacen("://localhost:", "://127.0.0.1:", 1);
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
        let mut req = self.http.request(method, &url);
        if !self.cookies.is_empty() {
            let jar: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            req = req.header("cookie", jar.join("; "));
        }
        if let Some(fields) = form {
            let body = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(fields.iter())
                .finish();
            req = req
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body);
        }
        let resp = req.send().await.unwrap_or_else(|e| panic!("{url}: {e}"));
        for set in resp.headers().get_all("set-cookie") {
            let set = set.to_str().unwrap_or_default();
            let first = set.split(';').next().unwrap_or_default();
            if let Some((name, value)) = first.split_once('=') {
                let gone = value.is_empty() || set.to_ascii_lowercase().contains("max-age=0");
                if gone {
                    self.cookies.remove(name.trim());
                } else {
                    self.cookies
                        .insert(name.trim().to_owned(), value.to_owned());
                }
            }
        }
        let status = resp.status().as_u16();
        let location = resp
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .map(|l| resolve(&url, l));
        let body = resp.text().await.unwrap_or_default();
        Page {
            status,
            location,
            body,
        }
    }

    /// A cookie's value.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies.get(name).map(String::as_str)
    }

    /// Opens `authorize_url`, follows it to the sign-in page, signs in with a password and
    /// returns the redirect the sign-in ends with (the app's `redirect_uri?code=...&state=...`),
    /// without following it.
    pub async fn sign_in(&mut self, authorize_url: &str, username: &str, password: &str) -> String {
        let mut page = self.send("GET", authorize_url, None).await;
        let mut hops = 0;
        while page.status == 302 {
            let next = page.location.clone().expect("a redirect has a Location");
            if !next.contains("/login") {
                // Already signed in: straight to the app.
                return next;
            }
            hops += 1;
            assert!(hops < 5, "too many redirects");
            page = self.send("GET", &next, None).await;
        }
        assert_eq!(page.status, 200, "the sign-in page: {}", page.body);
        assert!(
            self.cookie("XSRF-TOKEN").is_some(),
            "the sign-in page sets the CSRF cookie"
        );
        let form = Form::read(&page.body, "signin");
        assert!(
            form.hidden.iter().any(|(k, _)| k == "_csrf"),
            "the form has the hidden _csrf field"
        );
        let action = resolve(authorize_url, &form.action);
        let mut fields: Vec<(&str, &str)> = form
            .hidden
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        fields.push(("username", username));
        fields.push(("password", password));
        let done = self.send("POST", &action, Some(&fields)).await;
        assert_eq!(done.status, 302, "the sign-in is refused: {}", done.body);
        done.location.expect("a redirect has a Location")
    }
}

/// A form of a page: where it posts and its hidden fields.
#[derive(Debug)]
pub struct Form {
    /// The `action` attribute, unescaped.
    pub action: String,
    /// The hidden inputs' names and values, unescaped.
    pub hidden: Vec<(String, String)>,
}

impl Form {
    /// The form whose `id` is `id` in `html`.
    pub fn read(html: &str, id: &str) -> Form {
        let marker = format!("id=\"{id}\"");
        let at = html
            .match_indices("<form")
            .map(|(i, _)| i)
            .find(|&i| {
                html[i..]
                    .split_once('>')
                    .is_some_and(|(tag, _)| tag.contains(&marker))
            })
            .unwrap_or_else(|| panic!("no form {id} in the page: {html}"));
        let rest = &html[at..];
        let body = rest.split("</form>").next().unwrap_or(rest);
        let open_tag = body.split_once('>').map_or(body, |(t, _)| t);
        let action = attribute(open_tag, "action").unwrap_or_default();
        let hidden = body
            .split("<input")
            .skip(1)
            .filter_map(|tag| {
                let tag = tag.split_once('>').map_or(tag, |(t, _)| t);
                (attribute(tag, "type").as_deref() == Some("hidden"))
                    .then(|| Some((attribute(tag, "name")?, attribute(tag, "value")?)))
                    .flatten()
            })
            .collect();
        Form { action, hidden }
    }
}

/// The value of `name="..."` in a tag, HTML entities decoded.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let len = tag[start..].find('"')?;
    Some(decode_entities(&tag[start..start + len]))
}

fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let Some(end) = tail.find(';') else {
            out.push_str(tail);
            return out;
        };
        let entity = &tail[1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            e if e.starts_with("#x") || e.starts_with("#X") => u32::from_str_radix(&e[2..], 16)
                .ok()
                .and_then(char::from_u32),
            e if e.starts_with('#') => e[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &tail[end + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// A `Location` (absolute, or a path) resolved against the URL it came from.
fn resolve(base: &str, location: &str) -> String {
    if location.starts_with("http://") || location.starts_with("https://") {
        return location.to_owned();
    }
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let origin_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    format!("{}{location}", &base[..origin_end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_and_locations_are_read() {
        let html = r#"<p>x</p><form id="other" action="/no"></form>
            <form id="signin" method="post" action="/_domain/d/login?a=1&amp;b=2">
            <input type="hidden" name="_csrf" value="t&#x2B;k">
            <input name="username"><button type="submit">Sign in</button></form>"#;
        let f = Form::read(html, "signin");
        assert_eq!(f.action, "/_domain/d/login?a=1&b=2");
        assert_eq!(f.hidden, vec![("_csrf".to_owned(), "t+k".to_owned())]);
        assert_eq!(
            resolve(
                "http://127.0.0.1:9/_domain/d/oauth2/authorize?x",
                "/_domain/d/login?y"
            ),
            "http://127.0.0.1:9/_domain/d/login?y"
        );
        assert_eq!(resolve("http://a/b", "http://c/d"), "http://c/d");
    }
}

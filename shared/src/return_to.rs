//! Where to go after logging in: the page a signed-out visitor asked for,
//! carried as `/login?return_to=…`. Only a path on this site is followed;
//! anything that could leave it (`https://…`, `//host`, `/\host`, control
//! characters) is dropped, and the login page then goes to the businesses.

/// Where a successful login lands when no (safe) page was asked for.
pub const DEFAULT: &str = "/businesses";

/// `raw` if it is a path on this site: never `//host`, `/\\host`, a
/// backslash, a control character or anything holding a scheme (`://`).
/// The one check for every redirect we build from a stored or given path
/// (after login here, after an OAuth callback in the backend).
pub fn same_site(raw: &str) -> Option<&str> {
    let ok = raw.starts_with('/')
        && !raw.starts_with("//")
        && raw.len() <= 512
        && !raw.contains("://")
        && !raw.chars().any(|c| c.is_control() || c == '\\');
    ok.then_some(raw)
}

/// `raw` if it is a same-origin path worth returning to after login.
pub fn safe(raw: &str) -> Option<&str> {
    // Back to the sign-in pages would be a loop.
    let auth_page = ["/login", "/signup"]
        .iter()
        .any(|p| raw == *p || raw.starts_with(&format!("{p}?")));
    same_site(raw).filter(|_| !auth_page)
}

/// The login link that comes back to `path` (with its query).
pub fn login_link(path: &str) -> String {
    match safe(path) {
        Some(p) => format!("/login?return_to={}", encode(p)),
        None => "/login".to_owned(),
    }
}

/// Percent-encodes all but RFC 3986's unreserved characters and `/`.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_on_this_site_is_followed() {
        assert_eq!(safe("/businesses/42"), Some("/businesses/42"));
        assert_eq!(
            safe("/businesses/42?oauth=x"),
            Some("/businesses/42?oauth=x")
        );
    }

    #[test]
    fn anything_that_could_leave_the_site_is_dropped() {
        for raw in [
            "https://evil.example/",
            "//evil.example",
            "/\\evil.example",
            "/%0d%0a\r\nSet-Cookie:x",
            "javascript:alert(1)",
            "",
            "businesses",
        ] {
            assert_eq!(safe(raw), None, "{raw:?}");
        }
        assert_eq!(safe(&format!("/{}", "a".repeat(600))), None);
    }

    #[test]
    fn the_sign_in_pages_are_not_returned_to() {
        assert_eq!(safe("/login"), None);
        assert_eq!(safe("/signup?x=1"), None);
        assert_eq!(safe("/loginx"), Some("/loginx"));
    }

    #[test]
    fn the_login_link_carries_the_path_encoded() {
        assert_eq!(
            login_link("/businesses/42?oauth=connected&platform=x"),
            "/login?return_to=/businesses/42%3Foauth%3Dconnected%26platform%3Dx"
        );
        assert_eq!(login_link("//evil.example"), "/login");
    }
}

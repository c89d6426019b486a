//! URLs as they may be shown: robot keys, tokens and signatures live in the query, so errors
//! and `Debug` show each query parameter's name with its value hidden, and no user info.

use url::Url;

/// `url` with every query value replaced by `***` and any user name or password removed.
pub(crate) fn redact(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.set_fragment(None);
    let names: Vec<String> = url.query_pairs().map(|(k, _)| k.into_owned()).collect();
    if names.is_empty() {
        shown.set_query(None);
        return shown.to_string();
    }
    shown.set_query(None);
    let query = names.iter().map(|k| format!("{k}=***")).collect::<Vec<_>>().join("&");
    format!("{shown}?{query}")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn query_values_and_passwords_are_hidden() {
        let url =
            Url::parse("https://u:pw@qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SEKRIT&x=1#f")
                .unwrap();
        let shown = redact(&url);
        assert_eq!(shown, "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=***&x=***");
        assert!(!shown.contains("SEKRIT") && !shown.contains("pw"));
    }

    #[test]
    fn a_url_without_query_is_shown_as_is() {
        let url = Url::parse("http://127.0.0.1:8080/hook").unwrap();
        assert_eq!(redact(&url), "http://127.0.0.1:8080/hook");
    }
}

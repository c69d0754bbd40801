//! Absolute links the service hands out (event payloads, share links), built from
//! PUBLIC_BASE_URL and never from a request.

use url::Url;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct Links {
    base: Url,
}

impl Links {
    pub fn new(base: Url) -> Links {
        Links { base }
    }

    /// An absolute link to an API path.
    pub fn to(&self, path: &str) -> String {
        let mut url = self.base.clone();
        let joined = format!("{}{}", url.path().trim_end_matches('/'), path);
        url.set_path(&joined);
        url.to_string()
    }

    pub fn case(&self, id: Uuid) -> String {
        self.to(&format!("/v1/cases/{id}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_the_base_path() {
        let links = Links::new(Url::parse("https://concord.example/api/").expect("url"));
        assert_eq!(
            links.to("/v1/tasks/x"),
            "https://concord.example/api/v1/tasks/x"
        );
        let root = Links::new(Url::parse("https://concord.example").expect("url"));
        assert_eq!(root.to("/v1/tasks/x"), "https://concord.example/v1/tasks/x");
    }
}

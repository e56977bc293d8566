//! `/access/ticket` and `/version`.

use serde::{Deserialize, Serialize};

/// `POST /access/ticket`'s answer. A ticket that needs a second factor contains `!tfa!`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketInfo {
    #[serde(default)]
    pub username: String,
    pub ticket: String,
    #[serde(
        rename = "CSRFPreventionToken",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub csrf_token: Option<String>,
}

/// `GET /version`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiVersion {
    pub version: String,
    pub release: String,
    pub repoid: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::test_util::round_trip;

    #[test]
    fn ticket() {
        round_trip::<TicketInfo>(
            r#"{"username":"alice@pbs","ticket":"PBS:alice@pbs:65A8D3C0::c2lnbmF0dXJl",
                "CSRFPreventionToken":"65A8D3C0:dG9rZW4"}"#,
        );
    }

    #[test]
    fn version() {
        round_trip::<ApiVersion>(r#"{"version":"3.2","release":"4","repoid":"1d2ae1f4"}"#);
    }
}

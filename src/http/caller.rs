//! The authenticated caller of a request with what its audit rows need: request id and
//! client address.

use std::ops::Deref;

use actix_web::{FromRequest, HttpRequest, dev::Payload};
use futures_util::future::LocalBoxFuture;

use super::problem::{ApiError, current_request_id};
use crate::audit::{Actor, AuditRecord, Outcome};
use crate::auth::Principal;

#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Principal,
    pub request_id: String,
    pub client_ip: Option<String>,
}

impl Deref for Caller {
    type Target = Principal;
    fn deref(&self) -> &Principal {
        &self.principal
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let principal = Principal::from_request(req, payload);
        // The socket's peer, not X-Forwarded-For: a client cannot choose what is audited.
        let client_ip = req.peer_addr().map(|a| a.ip().to_string());
        let req = req.clone();
        Box::pin(async move {
            let caller = Caller {
                principal: principal.await?,
                request_id: current_request_id(),
                client_ip,
            };
            // Kept for the middleware, which audits refused requests (403, 404) too.
            actix_web::HttpMessage::extensions_mut(&req).insert(caller.clone());
            Ok(caller)
        })
    }
}

impl Caller {
    pub fn actor(&self) -> Actor {
        Actor {
            kind: self.principal.actor_kind(),
            id: self.principal.actor_id(),
            role: self.principal.role().map(|r| r.code().to_string()),
        }
    }

    /// An audit row of this request in the caller's organisation.
    pub fn audit(
        &self,
        action: &str,
        object_type: &'static str,
        object_ids: Vec<uuid::Uuid>,
        case_id: Option<uuid::Uuid>,
    ) -> AuditRecord {
        AuditRecord {
            org_id: self.principal.org_id(),
            actor: self.actor(),
            action: action.to_string(),
            object_type,
            object_ids,
            case_id,
            outcome: Outcome::Success,
            request_id: self.request_id.clone(),
            client_ip: self.client_ip.clone(),
        }
    }
}

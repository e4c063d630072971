//! Making API tokens: the one place a secret is drawn and its digest stored (for `firebreak
//! token create` and `POST /api/v1/tokens` alike). Checking the name and role is the caller's
//! job, since each reports bad input its own way.

use firebreak_core::access::{self, Role};
use firebreak_store::TokenRow;
use jiff::Timestamp;

use super::{Service, ServiceError};

impl Service {
    /// Records a new token named `name` with `role`, made by this service's actor; returns it
    /// with its secret, which is not kept anywhere and cannot be shown again.
    pub async fn create_token(
        &self,
        name: String,
        role: Role,
    ) -> Result<(TokenRow, String), ServiceError> {
        let secret = access::new_secret()?;
        let token = TokenRow {
            id: access::random_hex(4)?,
            name,
            role,
            created_at: Timestamp::now(),
            created_by: self.actor.clone(),
            revoked_at: None,
        };
        self.store.add_token(&token, &secret.digest).await?;
        Ok((token, secret.secret))
    }
}

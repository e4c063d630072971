//! Reading the blocks in force: every `address_blocked` and `address_unblocked` event, in one
//! read snapshot, folded into `firebreak_core::contain::Blocks`.

use firebreak_core::Change;
use firebreak_core::contain::Blocks;
use firebreak_store::StoreError;
use jiff::Timestamp;

use super::{Service, ServiceError};

impl Service {
    /// The blocks in force on every host.
    pub async fn blocks(&self) -> Result<Blocks, ServiceError> {
        let mut blocks = Blocks::default();
        let mut failure: Option<String> = None;
        let mut snapshot = self.store.snapshot().await?;
        snapshot
            .each_event_of(&Blocks::KINDS, &[], |row| {
                let decoded = Change::decode(row.kind, row.payload)
                    .map_err(|e| format!("{} event {}: {e}", row.incident, row.seq))
                    .and_then(|c| {
                        Timestamp::from_microsecond(row.at)
                            .map(|at| (c, at))
                            .map_err(|_| {
                                format!("{} event {}: time out of range", row.incident, row.seq)
                            })
                    });
                match decoded {
                    Ok((change, at)) => blocks.apply(row.incident, row.actor, at, &change),
                    Err(e) => {
                        failure.get_or_insert(e);
                    }
                }
                Ok::<(), StoreError>(())
            })
            .await?;
        snapshot.finish().await?;
        match failure {
            Some(f) => Err(ServiceError::Damaged(f)),
            None => Ok(blocks),
        }
    }
}

//! A linked account's customer tokens, sealed under the ledger's token key and kept in the ledger
//! (`link_secrets`), one row per linking: every desk of a shared ledger holds the key in its own
//! keychain, so a linking made at one desk pays at another, and the ledger never holds a token in
//! the clear. Earlier versions kept them in the keychain (field `link-<reference>`); each desk
//! moves its own into the ledger once, at open.

use ovo_domain::{Environment, Product, Reference, Timestamp};
use ovo_ledger::bindings::BindingRow;
use ovo_ledger::{link_secrets, Ledger};
use ovo_providers::model::LinkedAccount;
use ovo_secrets::{SealingKey, SecretKey, SecretStore, Sensitive};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult, ErrorCode};
use crate::local_keys::LocalKeys;
use crate::Backoffice;

#[derive(Serialize, Deserialize, Default)]
struct Stored {
    token: Option<String>,
    refresh_token: Option<String>,
    expires_at: Option<i64>,
    /// What the completion of a pending linking needs (e.g. OVO SNAP's linkageToken).
    pending_token: Option<String>,
    /// An authCode the browser brought back whose exchange did not go through yet (the
    /// provider was unreachable): kept so the next attempt can use it.
    #[serde(default)]
    auth_code: Option<String>,
}

impl Stored {
    fn is_empty(&self) -> bool {
        self.token.is_none()
            && self.refresh_token.is_none()
            && self.pending_token.is_none()
            && self.auth_code.is_none()
    }
}

/// One linking's place: in the ledger, and where earlier versions kept it in the keychain.
struct Linking<'a> {
    environment: Environment,
    product: Product,
    reference: &'a Reference,
}

impl Linking<'_> {
    /// What a sealed row is bound to, so it opens for no other linking.
    fn context(&self) -> String {
        format!(
            "link/{}/{}/{}",
            self.environment.key(),
            self.product.key(),
            self.reference.as_str()
        )
    }

    fn keychain_address(&self, app: &str) -> SecretKey {
        SecretKey::new(
            app,
            self.environment.key(),
            self.product.key(),
            format!("link-{}", self.reference.as_str()),
        )
    }
}

/// The tokens of every linking, read and written for the back office.
pub(crate) struct LinkTokens<'a> {
    ledger: &'a Ledger,
    key: &'a SealingKey,
    keychain: &'a dyn SecretStore,
    app: &'a str,
    now: Timestamp,
}

impl Backoffice {
    pub(crate) fn link_tokens(&self) -> LinkTokens<'_> {
        LinkTokens {
            ledger: &self.ledger,
            key: &self.local_keys.tokens,
            keychain: self.secrets.as_ref(),
            app: &self.config.app_identifier,
            now: self.now(),
        }
    }

    /// Moves the tokens this desk's keychain still holds from earlier versions into the ledger,
    /// once per desk and ledger.
    pub(crate) async fn move_keychain_tokens_into_ledger(&self) -> AppResult<()> {
        let done = LocalKeys::address(
            &self.config.app_identifier,
            &self.local_keys.ledger_id,
            "link_tokens_in_ledger",
        );
        if self.secrets.contains(&done)? {
            return Ok(());
        }
        let linkings = {
            let mut conn = self.ledger.read().await?;
            link_secrets::linkings(&mut conn).await?
        };
        let tokens = self.link_tokens();
        let mut moved = 0;
        for (environment, product, reference, kept) in &linkings {
            let linking = Linking { environment: *environment, product: *product, reference };
            if tokens.move_from_keychain(&linking, *kept).await? {
                moved += 1;
            }
        }
        self.secrets.put(&done, &Sensitive::new("yes".to_owned()))?;
        if moved > 0 {
            tracing::info!(
                moved,
                "customer tokens moved from the keychain into the ledger, sealed"
            );
        }
        Ok(())
    }
}

impl LinkTokens<'_> {
    async fn read(&self, linking: &Linking<'_>) -> AppResult<Stored> {
        self.read_on(&mut *self.ledger.read().await?, linking).await
    }

    async fn read_on(
        &self,
        conn: &mut ovo_ledger::Connection,
        linking: &Linking<'_>,
    ) -> AppResult<Stored> {
        let sealed =
            link_secrets::get(conn, linking.environment, linking.product, linking.reference)
                .await?;
        let Some(sealed) = sealed else {
            return Ok(Stored::default());
        };
        let opened = self.key.open(&sealed, &linking.context()).map_err(|e| {
            AppError::new(
                ErrorCode::Storage,
                format!(
                    "the customer tokens of linking {} cannot be opened with this desk's token key \
                     ({e}); this desk may hold another ledger's keys",
                    linking.reference.as_str()
                ),
            )
        })?;
        serde_json::from_slice(opened.expose()).map_err(|e| {
            AppError::new(
                ErrorCode::Storage,
                format!(
                    "the customer tokens of linking {} are unreadable: {e}",
                    linking.reference.as_str()
                ),
            )
        })
    }

    /// Moves what an earlier version kept in this desk's keychain into the ledger (or, when
    /// the ledger keeps the linking's tokens already, forgets the keychain's copy). An entry that
    /// cannot be read stays where it is. True when tokens were moved.
    async fn move_from_keychain(&self, linking: &Linking<'_>, kept: bool) -> AppResult<bool> {
        let address = linking.keychain_address(self.app);
        let Some(value) = self.keychain.get(&address)? else {
            return Ok(false);
        };
        if !kept {
            let Ok(stored) = serde_json::from_str::<Stored>(value.expose()) else {
                tracing::warn!(
                    reference = linking.reference.as_str(),
                    "a linking's tokens in the keychain are unreadable; left there"
                );
                return Ok(false);
            };
            self.write(linking, &stored).await?;
        }
        self.keychain.delete(&address)?;
        Ok(!kept)
    }

    async fn write(&self, linking: &Linking<'_>, stored: &Stored) -> AppResult<()> {
        let mut tx = self.ledger.begin_write().await?;
        self.write_on(&mut tx, linking, stored).await?;
        ovo_ledger::commit(tx).await?;
        Ok(())
    }

    async fn write_on(
        &self,
        tx: &mut ovo_ledger::Connection,
        linking: &Linking<'_>,
        stored: &Stored,
    ) -> AppResult<()> {
        if stored.is_empty() {
            link_secrets::delete(tx, linking.environment, linking.product, linking.reference)
                .await?;
        } else {
            let json = Sensitive::new(serde_json::to_vec(stored).unwrap_or_default());
            let sealed = self.key.seal(json.expose(), &linking.context());
            link_secrets::put(
                tx,
                linking.environment,
                linking.product,
                linking.reference,
                &sealed,
                self.now,
            )
            .await?;
        }
        Ok(())
    }

    /// Reads, edits and writes a linking's tokens in one write transaction.
    async fn change(&self, linking: &Linking<'_>, edit: impl FnOnce(&mut Stored)) -> AppResult<()> {
        let mut tx = self.ledger.begin_write().await?;
        let mut stored = self.read_on(&mut tx, linking).await?;
        edit(&mut stored);
        self.write_on(&mut tx, linking, &stored).await?;
        ovo_ledger::commit(tx).await?;
        Ok(())
    }

    pub(crate) async fn save_pending(
        &self,
        row: &BindingRow,
        reference: &Reference,
        pending: &Sensitive<String>,
    ) -> AppResult<()> {
        let linking = Linking { environment: row.environment, product: row.product, reference };
        self.change(&linking, |stored| stored.pending_token = Some(pending.expose().clone())).await
    }

    /// Keeps (or, with `None`, drops) the authCode of a pending linking for another attempt.
    pub(crate) async fn save_auth_code(
        &self,
        row: &BindingRow,
        auth_code: Option<&Sensitive<String>>,
    ) -> AppResult<()> {
        let Some(reference) = &row.reference else {
            return Ok(());
        };
        let linking = Linking { environment: row.environment, product: row.product, reference };
        self.change(&linking, |stored| stored.auth_code = auth_code.map(|c| c.expose().clone()))
            .await
    }

    /// What is kept for a linked account (nothing for one without a reference).
    async fn read_row(&self, row: &BindingRow) -> AppResult<Stored> {
        match &row.reference {
            Some(reference) => {
                self.read(&Linking {
                    environment: row.environment,
                    product: row.product,
                    reference,
                })
                .await
            }
            None => Ok(Stored::default()),
        }
    }

    /// The authCode kept by `save_auth_code`.
    pub(crate) async fn auth_code(&self, row: &BindingRow) -> AppResult<Option<Sensitive<String>>> {
        Ok(self.read_row(row).await?.auth_code.map(Sensitive::new))
    }

    pub(crate) async fn pending_token(
        &self,
        row: &BindingRow,
    ) -> AppResult<Option<Sensitive<String>>> {
        Ok(self.read_row(row).await?.pending_token.map(Sensitive::new))
    }

    /// Keeps the tokens of a completed linking (dropping the pending token and authCode).
    pub(crate) async fn save_account(
        &self,
        environment: Environment,
        product: Product,
        reference: &Reference,
        account: &LinkedAccount,
    ) -> AppResult<()> {
        // Nothing secret to keep when the provider issues no token (Faspay links by phone).
        let stored = Stored {
            token: account.token.as_ref().map(|t| t.expose().clone()),
            refresh_token: account.refresh_token.as_ref().map(|t| t.expose().clone()),
            expires_at: account.token_expires_at.map(Timestamp::unix_millis),
            pending_token: None,
            auth_code: None,
        };
        self.write(&Linking { environment, product, reference }, &stored).await
    }

    /// The account as the provider client needs it.
    pub(crate) async fn linked_account(&self, row: &BindingRow) -> AppResult<LinkedAccount> {
        let stored = self.read_row(row).await?;
        Ok(LinkedAccount {
            phone: row.phone.clone(),
            provider_ref: row.provider_ref.clone(),
            token: stored.token.map(Sensitive::new),
            refresh_token: stored.refresh_token.map(Sensitive::new),
            token_expires_at: stored.expires_at.map(Timestamp::from_unix_millis),
        })
    }

    pub(crate) async fn forget(&self, row: &BindingRow) -> AppResult<()> {
        if let Some(reference) = &row.reference {
            let linking = Linking { environment: row.environment, product: row.product, reference };
            self.write(&linking, &Stored::default()).await?;
        }
        Ok(())
    }
}

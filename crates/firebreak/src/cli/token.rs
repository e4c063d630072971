//! `firebreak token create|ls|revoke`: API tokens for the team server. A token's secret is
//! printed once when it is made and only its SHA-256 is stored.

use std::process::ExitCode;

use anyhow::Context as _;
use firebreak_core::access::{self, Role};
use serde_json::json;

use super::Context;
use crate::output::{Table, Tone};

/// Token commands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Make a token; its secret is shown once.
    Create {
        /// viewer, responder, commander or admin.
        #[arg(long)]
        role: Role,
        /// Who or what holds it (recorded as the actor of its changes).
        #[arg(long)]
        name: String,
    },
    /// List tokens (never their secrets).
    Ls,
    /// Revoke a token by id or name; its dashboard sessions end too.
    Revoke {
        /// The token's id or name.
        token: String,
    },
}

pub async fn run(ctx: &mut Context, command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Create { role, name } => {
            let name = access::token_name(&name)?;
            let service = ctx.service().await?;
            let (token, secret) = service
                .create_token(name, role)
                .await
                .context("token not created")?;
            if ctx.out.json {
                ctx.out.json(&json!({ "token": token, "secret": secret }))?;
            } else {
                ctx.out.line(format!(
                    "token {} ({}, {}) created. Its secret, shown only this once:",
                    token.id, token.name, token.role
                ))?;
                ctx.out.line(format!("  {secret}"))?;
                ctx.out
                    .line("Send it as `Authorization: Bearer <secret>`, or sign in to the dashboard with it.")?;
            }
        }
        Command::Ls => {
            let service = ctx.service().await?;
            service.adopt_tokens().await?;
            let tokens = service.store().tokens().await?;
            if ctx.out.json {
                ctx.out.json(&tokens)?;
                return Ok(ExitCode::SUCCESS);
            }
            if tokens.is_empty() {
                ctx.out.line(
                    "No tokens yet; make one with `firebreak token create --role R --name N`.",
                )?;
                return Ok(ExitCode::SUCCESS);
            }
            let mut table = Table::new(&["ID", "NAME", "ROLE", "CREATED", "BY", "REVOKED"]);
            for t in &tokens {
                let tone = if t.revoked_at.is_some() {
                    Tone::Dim
                } else {
                    Tone::Plain
                };
                table.row(vec![
                    (t.id.clone(), tone),
                    (t.name.clone(), tone),
                    (t.role.to_string(), tone),
                    (t.created_at.strftime("%Y-%m-%d %H:%M").to_string(), tone),
                    (t.created_by.clone(), tone),
                    (
                        t.revoked_at
                            .map(|r| r.strftime("%Y-%m-%d %H:%M").to_string())
                            .unwrap_or_else(|| "—".into()),
                        tone,
                    ),
                ]);
            }
            ctx.out.table(&table)?;
        }
        Command::Revoke { token } => {
            let service = ctx.service().await?;
            let revoked = service.revoke_token(token.trim()).await?.with_context(|| {
                format!("no token with id or name {token:?}; see `firebreak token ls`")
            })?;
            if ctx.out.json {
                ctx.out.json(&revoked)?;
            } else {
                ctx.out.line(format!(
                    "token {} ({}) revoked; its sessions are ended and servers refuse it within seconds",
                    revoked.id, revoked.name
                ))?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

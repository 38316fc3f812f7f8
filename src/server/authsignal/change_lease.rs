//! One change to a customer's authenticators at a time, across every instance: a short lease
//! row in the shared database, taken atomically. Two parallel removals can then never both
//! see "two left" and both delete.

use sqlx::AnyPool;

use crate::server::clock::now_unix;

use crate::server::ids::random_hex;

/// Longer than any change takes (two Authsignal calls within their time budget).
const LEASE_SECS: i64 = 30;

/// A lease this request holds; give it back with [`release`].
#[must_use]
pub struct Lease {
    user_id: String,
    token: String,
}

/// Takes the customer's lease, or `None` while another change holds it.
pub async fn acquire(pool: &AnyPool, user_id: &str) -> Result<Option<Lease>, sqlx::Error> {
    let token = random_hex();
    let now = now_unix();
    // Inserts, or takes over a lease whose time is up; a live lease is left alone.
    let taken = sqlx::query(
        "INSERT INTO authenticator_change_leases (user_id, token, until) VALUES ($1, $2, $3)
         ON CONFLICT (user_id) DO UPDATE SET token = excluded.token, until = excluded.until
         WHERE authenticator_change_leases.until < $4",
    )
    .bind(user_id)
    .bind(&token)
    .bind(now + LEASE_SECS)
    .bind(now)
    .execute(pool)
    .await?
    .rows_affected();
    Ok((taken == 1).then(|| Lease {
        user_id: user_id.to_string(),
        token,
    }))
}

/// Gives the lease back (only if it is still ours).
pub async fn release(pool: &AnyPool, lease: Lease) {
    let released =
        sqlx::query("DELETE FROM authenticator_change_leases WHERE user_id = $1 AND token = $2")
            .bind(&lease.user_id)
            .bind(&lease.token)
            .execute(pool)
            .await;
    if let Err(e) = released {
        tracing::error!(error = %e, "releasing an authenticator change lease failed (it expires by itself)");
    }
}

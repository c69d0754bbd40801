//! The process's connections: a pool for each thread that runs a single-threaded runtime (each
//! actix worker is one), and one pool for everything else (the multi-threaded runtime of the
//! commands and the webhook worker).
//!
//! Why not one pool: a diesel-async connection is driven by a task spawned on the runtime that
//! opened it. With one pool shared by the workers, a connection one worker opened and another
//! used sent every round trip across threads twice: the query to the opener's task (an eventfd
//! write that wakes its thread out of `epoll_wait`), the answer back the same way. With a pool
//! per worker, partner ingestion at 8 clients went from 33 context switches an ingestion to 13
//! and its p99 from 40-78 ms to 30-36 ms; its CPU stayed the same within the noise (issue 19,
//! the README's load section).

use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, ThreadId};
use std::time::Duration;

use anyhow::Context;
use diesel_async::AsyncPgConnection;
use diesel_async::pooled_connection::deadpool::{BuildError, Object, Pool, PoolError};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use tokio::runtime::{Handle, RuntimeFlavor};

/// A connection taken from a pool; back in its pool when dropped.
pub type DbConn = Object<AsyncPgConnection>;

/// The process's pools (cheap to clone: all clones share them).
#[derive(Clone)]
pub struct DbPool(Arc<Pools>);

struct Pools {
    url: String,
    /// The most connections each pool holds.
    size: usize,
    /// For callers on a multi-threaded runtime (or none).
    shared: Pool<AsyncPgConnection>,
    /// One for each thread with a single-threaded runtime that asked: as many as workers, so a
    /// list is enough. A thread's id is never reused; a worker that actix restarts after a panic
    /// leaves its pool here, its connections closed with its runtime.
    per_thread: Mutex<Vec<(ThreadId, Pool<AsyncPgConnection>)>>,
}

/// Builds the pools; connections are made lazily, `size` at most in each pool. A connection
/// taken back from a pool is not pinged: the default (`Verified`) sends `SELECT 1` on every
/// checkout, one round trip more per request; a connection that died is found broken on its
/// first query and then discarded.
pub fn pool(database_url: &str, size: usize) -> anyhow::Result<DbPool> {
    Ok(DbPool(Arc::new(Pools {
        url: database_url.to_owned(),
        size,
        shared: build(database_url, size).context("cannot build the database pool")?,
        per_thread: Mutex::new(Vec::new()),
    })))
}

fn build(url: &str, size: usize) -> Result<Pool<AsyncPgConnection>, BuildError> {
    let mut config = ManagerConfig::default();
    config.recycling_method = RecyclingMethod::Fast;
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(url, config);
    Pool::builder(manager)
        .max_size(size)
        .wait_timeout(Some(Duration::from_secs(5)))
        .create_timeout(Some(Duration::from_secs(5)))
        .recycle_timeout(Some(Duration::from_secs(5)))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
}

impl DbPool {
    /// A connection from the calling thread's pool.
    pub async fn get(&self) -> Result<DbConn, PoolError> {
        self.here().get().await
    }

    /// The pool for the calling thread: its own on a single-threaded runtime, else the shared one.
    fn here(&self) -> Pool<AsyncPgConnection> {
        let single = Handle::try_current()
            .is_ok_and(|runtime| runtime.runtime_flavor() == RuntimeFlavor::CurrentThread);
        if !single {
            return self.0.shared.clone();
        }
        let me = thread::current().id();
        let mut pools = self
            .0
            .per_thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some((_, pool)) = pools.iter().find(|(id, _)| *id == me) {
            return pool.clone();
        }
        // The settings built the shared pool already; should they not now, the shared one serves.
        let Ok(pool) = build(&self.0.url, self.0.size) else {
            return self.0.shared.clone();
        };
        pools.push((me, pool.clone()));
        pool
    }

    /// All the pools together: the most they may hold, what they hold, what is free in them,
    /// and the callers waiting for a connection.
    pub fn status(&self) -> deadpool::Status {
        let pools = self
            .0
            .per_thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        std::iter::once(&self.0.shared)
            .chain(pools.iter().map(|(_, pool)| pool))
            .map(Pool::status)
            .fold(
                deadpool::Status {
                    max_size: 0,
                    size: 0,
                    available: 0,
                    waiting: 0,
                },
                |sum, one| deadpool::Status {
                    max_size: sum.max_size + one.max_size,
                    size: sum.size + one.size,
                    available: sum.available + one.available,
                    waiting: sum.waiting + one.waiting,
                },
            )
    }
}

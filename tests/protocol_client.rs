//! The remote client's typed calls (`crate::protocol` replies) against `pbsh serve`: version,
//! datastores, namespaces, status, garbage collection and the task list, status and log.

mod serve_common;

use pbsh::repo::remote::client::ClientOptions;
use pbsh::repo::remote::repo_string::RemoteRepo;
use pbsh::repo::remote::RemoteRepository;
use pbsh::repo::types::Namespace;
use pbsh::repo::Repository;
use serde_json::json;
use std::time::{Duration, Instant};

#[test]
fn typed_replies_of_pbsh_serve_parse() {
    let home = tempfile::tempdir().unwrap();
    // The only test of this binary: the environment is set before any thread starts.
    std::env::set_var("PBS_PASSWORD", serve_common::PASSWORD);
    std::env::set_var("XDG_RUNTIME_DIR", home.path().join("run"));
    std::env::set_var("XDG_CONFIG_HOME", home.path().join("config"));
    std::env::set_var("XDG_CACHE_HOME", home.path().join("cache"));
    let server = serve_common::start_server();
    let repo = RemoteRepo::parse(&format!("admin@pbs@127.0.0.1:{}:store1", server.port)).unwrap();
    let opts = ClientOptions {
        fingerprint: Some(server.fingerprint.clone()),
        interactive: false,
    };
    let r = RemoteRepository::new(repo, opts).unwrap();

    let v = r.version().unwrap();
    assert_eq!((v.version.as_str(), v.release.as_str()), ("3.2", "4"));
    assert!(v.repoid.starts_with("pbsh-"), "{v:?}");
    assert_eq!(r.list_stores().unwrap(), vec!["store1".to_string()]);

    let ns = Namespace::parse("dev").unwrap();
    r.create_namespace(&ns).unwrap();
    assert_eq!(r.list_namespaces(&Namespace::root()).unwrap(), vec![ns]);
    assert!(r.list_groups(&Namespace::root()).unwrap().is_empty());

    let status = r.datastore_status(false).unwrap();
    assert!(status.total > 0 && status.counts.is_none() && status.gc_status.is_none());
    let gc = r.gc_status().unwrap();
    assert_eq!(gc.store, "store1");
    assert_eq!(gc.last_run_state, None);

    let upid = r
        .store_call(http::Method::POST, "gc", None)
        .unwrap()
        .as_str()
        .unwrap()
        .to_string();
    let deadline = Instant::now() + Duration::from_secs(60);
    let end = loop {
        let s = r.task_status(&upid).unwrap();
        assert_eq!(
            (s.upid.as_str(), s.worker_type.as_str()),
            (upid.as_str(), "garbage_collection")
        );
        if !s.is_running() {
            break s;
        }
        assert!(Instant::now() < deadline, "gc did not finish");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(end.status, "stopped");
    assert_eq!(end.exitstatus.as_deref(), Some("OK"));
    assert_eq!(end.user, "admin@pbs");
    assert_eq!(end.tokenid, None);

    let log = r.task_log(&upid, 1, 0).unwrap();
    assert_eq!(log[0].n, 1);
    assert!(log[0].t.contains("starting garbage collection"), "{log:?}");
    assert!(log.windows(2).all(|w| w[1].n == w[0].n + 1));

    let tasks = r.list_tasks(json!({"store": "store1"})).unwrap();
    let item = tasks.iter().find(|t| t.upid == upid).unwrap();
    assert_eq!(item.worker_type, "garbage_collection");
    assert_eq!(item.worker_id.as_deref(), Some("store1"));
    assert_eq!(item.status.as_deref(), Some("OK"));
    assert!(item.endtime.is_some_and(|e| e >= item.starttime));

    let gc = r.gc_status().unwrap();
    assert_eq!(gc.status.upid.as_deref(), Some(upid.as_str()));
    assert_eq!(gc.last_run_state.as_deref(), Some("ok"));
    assert_eq!(gc.status.index_file_count, Some(0));
    let status = r.datastore_status(true).unwrap();
    assert_eq!(status.gc_status, Some(gc.status));
    assert_eq!(status.counts, Some(Default::default()));

    // A call whose reply is not of the type asked for names the call.
    let e = r
        .get::<Vec<pbsh::protocol::TaskLogLine>>("/api2/json/version", None)
        .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("protocol: unexpected reply to GET /api2/json/version: "),
        "{e}"
    );
}

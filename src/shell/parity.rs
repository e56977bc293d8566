//! The parity table: every proxmox-backup-client 3.2.4 command and option, pbsh's form of it,
//! and the tests that check its effect. The README's command reference is generated from it
//! (`markdown_table`, `scripts/gen-reference.sh`), and tests/cli/parity.rs fails when it drifts from
//! the real client's `help --verbose`, from pbsh's clap command table, or from the tests.

/// One proxmox-backup-client 3.2.4 command or option and where pbsh has it.
pub struct Parity {
    /// The real client's form: a command path, with one option (`backup --rate`); the catalog
    /// shell's own commands are written `catalog shell > COMMAND`.
    pub pbs: &'static str,
    /// pbsh's form (a command path of the one-shot command line, with one option), or empty when
    /// pbsh does not have it (`note` says why).
    pub pbsh: &'static str,
    /// The tests that check its effect: `FILE::fn` for tests/FILE.rs, `FILE::MODULE::fn` for a
    /// module of that test binary (tests/FILE/MODULE.rs), `src/PATH.rs::fn` for a unit test.
    pub tests: &'static [&'static str],
    pub note: &'static str,
}

const fn row(
    pbs: &'static str,
    pbsh: &'static str,
    tests: &'static [&'static str],
    note: &'static str,
) -> Parity {
    Parity {
        pbs,
        pbsh,
        tests,
        note,
    }
}

/// The note of a form pbsh parses but no test checks.
pub const UNTESTED: &str = "parsed, effect not tested";

// Tests named by several rows.
const REMOTE_E2E: &str =
    "remote::remote_e2e::remote_login_backup_browse_restore_encrypt_dedup_tasks";
const REAL_READ_WRITE: &str =
    "interop::pbsh_real::pbsh_and_the_real_client_read_what_the_other_wrote_on_the_real_server";
const REAL_ADMIN: &str = "interop::pbsh_real::pbsh_administers_the_real_server";
const SERVE_OWNER_VERSION: &str =
    "interop::pbsh_real::change_owner_and_version_against_pbsh_serve_follow_pbs_rules";
const TREE_NAV: &str = "cli::shell_tree::navigation_listing_and_paths";
const OUTPUT_FORMATS: &str = "cli::maintenance::output_format_on_ns_notes_protected_and_gc";
const PRUNE_CLI: &str =
    "cli::maintenance::prune_removes_what_the_rules_do_not_keep_and_spares_protected";
const SNAPSHOT_LIST_FILES: &str =
    "cli::maintenance::snapshot_list_and_files_match_what_pbs_printed";
const CATALOG_SHELL: &str = "cli::catalog_shell::catalog_shell_reads_commands_from_stdin";
const RATE: &str = "cli::backup_options::rate_and_burst_hold_backup_and_restore_to_the_rate";
const RATE_UNIT: &str = "src/util/rate.rs::the_bucket_lends_its_burst_then_charges_the_rate";
const CATALOG_PATTERNS: &str = "cli::catalog_shell::catalog_shell_find_patterns_and_restore_as_pbs";
const CATALOG_AS_REAL: &str =
    "interop::pbsh_real::catalog_shell_scripts_do_what_the_real_clients_do";
const SELECTION: &str = "cli::shell_tree::selection_spans_folders_and_restores";
const HELP_TOPICS: &str =
    "cli::shell_tree::a_closed_output_pipe_ends_quietly_with_141_and_help_topics_work_one_shot";
const REMOTE_TASKS: &str = "remote::remote_e2e::remote_task_list_stop_and_follow";
const RESTORE_EXISTING: &str =
    "cli::restore_options::existing_dirs_and_each_overwrite_flag_are_needed_for_what_they_name";
const RESTORE_IGNORE: &str =
    "cli::restore_options::ignore_permissions_xattrs_and_acls_leave_them_out";
const RESTORE_KEYS: &str = "cli::restore_options::crypt_mode_and_keyfd_choose_the_key";
const BACKUP_FDS: &str = "cli::backup_options::keyfd_and_master_pubkey_fd_read_their_descriptors";
const KEY_CREATE_CHANGE: &str =
    "cli::cli_keys::key_create_and_change_passphrase_keep_the_key_and_mode_0600";
const KEY_CREATE_DEFAULT: &str =
    "cli::cli_keys::key_create_refuses_to_overwrite_and_uses_the_default_path";
const MASTER_KEY: &str = "cli::cli_keys::master_key_create_show_and_import_with_the_vector_blob";
const DEFAULT_KEYS: &str = "cli::cli_keys::default_key_and_master_pubkey_apply_to_every_command";
const REAL_KEYS: &str = "interop::tools::real_client_keys_are_read_by_pbsh";
const REAL_MASTER_KEY: &str = "interop::tools::real_master_key_is_read_by_pbsh";
const PAPERKEYS: &str = "interop::tools::paperkeys_are_pbs_s_byte_for_byte_and_scan_to_the_key";
const MAP: &str = "mount::map_exposes_an_image_and_the_shell_lists_mounts";
const MOUNT: &str = "mount::mounted_archive_equals_the_source_tree";
const KEEP_LAST_THEN_DAILY: &str =
    "src/engine/prune.rs::keep_last_2_plus_keep_daily_3_does_not_count_days_kept_by_keep_last";
const NS_EFFECT: &str =
    "cli::maintenance::ns_option_acts_in_the_namespace_and_the_root_does_not_see_it";
const UPLOAD_LOG_KEY: &str =
    "cli::maintenance::upload_log_keyfile_encrypts_and_crypt_mode_none_does_not";
const LIST_STATUS_JSON: &str = "cli::maintenance::list_and_status_output_format_json_shape";
const OTHER_FS: &str =
    "cli::backup_options::all_file_systems_and_include_dev_descend_into_other_mounts";
const MOUNT_NS: &str = "mount::mount_and_map_ns_keyfile_and_map_verbose";
const REMOTE_LIST: &str =
    "remote::remote_e2e::remote_root_lists_every_datastore_and_browses_another_over_the_same_login";

/// Every command and option of proxmox-backup-client 3.2.4 in the order of its `help`, then the
/// catalog shell's own commands.
pub const PBS_PARITY: &[Parity] = &[
    row("backup", "backup", &[REMOTE_E2E, REAL_READ_WRITE], ""),
    row(
        "backup --all-file-systems",
        "backup --all-file-systems",
        &[OTHER_FS],
        "",
    ),
    row("backup --backup-id", "backup --backup-id", &[TREE_NAV], ""),
    row(
        "backup --backup-time",
        "backup --backup-time",
        &[TREE_NAV],
        "",
    ),
    row(
        "backup --backup-type",
        "backup --backup-type",
        &[TREE_NAV, "shell_pty::tab_completes_every_level_of_the_tree"],
        "",
    ),
    row("backup --burst", "backup --burst", &[RATE, RATE_UNIT], ""),
    row(
        "backup --chunk-size",
        "backup --chunk-size",
        &["cli::backup_options::chunk_size_sets_the_average_chunk_and_is_checked"],
        "",
    ),
    row(
        "backup --crypt-mode",
        "backup --crypt-mode",
        &[DEFAULT_KEYS, REAL_READ_WRITE],
        "",
    ),
    row(
        "backup --dry-run",
        "backup --dry-run",
        &["cli::backup_options::dry_run_says_what_it_would_upload_and_writes_nothing"],
        "",
    ),
    row(
        "backup --entries-max",
        "backup --entries-max",
        &["cli::backup_options::entries_max_bounds_the_entries_held"],
        "",
    ),
    row(
        "backup --exclude",
        "backup --exclude",
        &["formats::pxar_roundtrip::excludes_and_pxarexclude_files_leave_entries_out"],
        "the patterns as the archive writer applies them; not through the command",
    ),
    row(
        "backup --include-dev",
        "backup --include-dev",
        &[OTHER_FS],
        "",
    ),
    row("backup --keyfd", "backup --keyfd", &[BACKUP_FDS], ""),
    row(
        "backup --keyfile",
        "backup --keyfile",
        &[REMOTE_E2E, RESTORE_KEYS],
        "",
    ),
    row(
        "backup --master-pubkey-fd",
        "backup --master-pubkey-fd",
        &[BACKUP_FDS],
        "",
    ),
    row(
        "backup --master-pubkey-file",
        "backup --master-pubkey-file",
        &[REAL_READ_WRITE],
        "",
    ),
    row("backup --ns", "backup --ns", &[TREE_NAV, REAL_ADMIN], ""),
    row("backup --rate", "backup --rate", &[RATE, RATE_UNIT], ""),
    row(
        "backup --repository",
        "backup --repository",
        &[REMOTE_E2E, REAL_READ_WRITE],
        "",
    ),
    row(
        "backup --skip-e2big-xattr",
        "backup --skip-e2big-xattr",
        &["cli::backup_options::skip_e2big_xattr_archives_the_file_without_its_attributes"],
        "",
    ),
    row(
        "backup --skip-lost-and-found",
        "backup --skip-lost-and-found",
        &["cli::backup_options::skip_lost_and_found_leaves_out_every_lost_and_found"],
        "",
    ),
    row(
        "benchmark",
        "bench",
        &[
            "cli::bench_cmd::text_is_a_table_and_bad_durations_are_refused",
            "cli::bench_cmd::json_reports_every_row_with_a_positive_speed",
        ],
        "also `benchmark`",
    ),
    row("benchmark --keyfile", "benchmark --keyfile", &["cli::restore_options::crypt_mode_and_keyfd_choose_the_key"], "the key's effect on speed is none; the test shows the key file is read (a missing one is refused)"),
    row(
        "benchmark --output-format",
        "bench --output-format",
        &["cli::bench_cmd::json_reports_every_row_with_a_positive_speed"],
        "",
    ),
    row(
        "benchmark --repository",
        "bench --repository",
        &[REMOTE_E2E, REAL_ADMIN],
        "the TLS upload row",
    ),
    row(
        "catalog dump",
        "catalog dump",
        &[
            "cli::maintenance::catalog_dump_prints_what_pbs_printed",
            REAL_READ_WRITE,
        ],
        "",
    ),
    row("catalog dump --keyfd", "catalog dump --keyfd", &["cli::restore_options::crypt_mode_and_keyfd_choose_the_key"], ""),
    row(
        "catalog dump --keyfile",
        "catalog dump --keyfile",
        &["cli::maintenance::catalog_dump_prints_what_pbs_printed"],
        "",
    ),
    row("catalog dump --ns", "catalog dump --ns", &[NS_EFFECT], ""),
    row(
        "catalog dump --repository",
        "catalog dump --repository",
        &[REAL_READ_WRITE],
        "",
    ),
    row("catalog shell", "catalog shell", &[CATALOG_SHELL], ""),
    row("catalog shell --keyfd", "catalog shell --keyfd", &["cli::restore_options::crypt_mode_and_keyfd_choose_the_key"], ""),
    row("catalog shell --keyfile", "catalog shell --keyfile", &["cli::restore_options::crypt_mode_and_keyfd_choose_the_key"], ""),
    row("catalog shell --ns", "catalog shell --ns", &[NS_EFFECT], ""),
    row(
        "catalog shell --repository",
        "catalog shell --repository",
        &[CATALOG_SHELL],
        "",
    ),
    row(
        "change-owner",
        "change-owner",
        &[SERVE_OWNER_VERSION, REAL_ADMIN],
        "",
    ),
    row("change-owner --ns", "change-owner --ns", &[NS_EFFECT], ""),
    row(
        "change-owner --repository",
        "change-owner --repository",
        &[SERVE_OWNER_VERSION],
        "",
    ),
    row(
        "garbage-collect",
        "garbage-collect",
        &[REAL_ADMIN, REMOTE_E2E],
        "also `gc`",
    ),
    row(
        "garbage-collect --output-format",
        "garbage-collect --output-format",
        &[OUTPUT_FORMATS, REAL_ADMIN],
        "",
    ),
    row(
        "garbage-collect --repository",
        "garbage-collect --repository",
        &[REMOTE_E2E],
        "",
    ),
    row("help", "help", &[HELP_TOPICS], ""),
    row("help --verbose", "help", &["cli::shell_tree::ns_list_max_depth_and_help_verbose_as_pbs"], "`help [COMMAND] --verbose` is accepted (before clap sees it); pbsh's help always lists every option"),
    row(
        "key change-passphrase",
        "key change-passphrase",
        &[KEY_CREATE_CHANGE],
        "",
    ),
    row(
        "key change-passphrase --hint",
        "key change-passphrase --hint",
        &[REAL_KEYS],
        "",
    ),
    row(
        "key change-passphrase --kdf",
        "key change-passphrase --kdf",
        &[KEY_CREATE_CHANGE, REAL_KEYS],
        "",
    ),
    row(
        "key create",
        "key create",
        &[KEY_CREATE_DEFAULT, KEY_CREATE_CHANGE],
        "",
    ),
    row(
        "key create --hint",
        "key create --hint",
        &[KEY_CREATE_CHANGE],
        "",
    ),
    row(
        "key create --kdf",
        "key create --kdf",
        &[KEY_CREATE_CHANGE, KEY_CREATE_DEFAULT],
        "",
    ),
    row(
        "key create-master-key",
        "key create-master-key",
        &[MASTER_KEY],
        "",
    ),
    row(
        "key import-master-pubkey",
        "key import-master-pubkey",
        &[DEFAULT_KEYS],
        "",
    ),
    row(
        "key import-with-master-key",
        "key import-with-master-key",
        &[MASTER_KEY, REAL_MASTER_KEY],
        "",
    ),
    row(
        "key import-with-master-key --encrypted-keyfile",
        "key import-with-master-key --encrypted-keyfile",
        &[REAL_MASTER_KEY],
        "",
    ),
    row(
        "key import-with-master-key --master-keyfile",
        "key import-with-master-key --master-keyfile",
        &[REAL_MASTER_KEY],
        "",
    ),
    row(
        "key import-with-master-key --hint",
        "key import-with-master-key --hint",
        &[MASTER_KEY],
        "",
    ),
    row(
        "key import-with-master-key --kdf",
        "key import-with-master-key --kdf",
        &[REAL_MASTER_KEY],
        "",
    ),
    row(
        "key paperkey",
        "key paperkey",
        &[
            "formats::vectors::key_paperkey_prints_pbs_text_byte_for_byte",
            PAPERKEYS,
        ],
        "",
    ),
    row(
        "key paperkey --output-format",
        "key paperkey --output-format",
        &[
            "formats::vectors::key_paperkey_prints_pbs_text_byte_for_byte",
            PAPERKEYS,
        ],
        "",
    ),
    row(
        "key paperkey --subject",
        "key paperkey --subject",
        &[PAPERKEYS],
        "",
    ),
    row(
        "key show",
        "key show",
        &["formats::vectors::key_show_prints_what_pbs_printed"],
        "",
    ),
    row(
        "key show --output-format",
        "key show --output-format",
        &["formats::vectors::key_show_prints_what_pbs_printed"],
        "",
    ),
    row(
        "key show-master-pubkey",
        "key show-master-pubkey",
        &[MASTER_KEY, REAL_MASTER_KEY],
        "",
    ),
    row(
        "key show-master-pubkey --output-format",
        "key show-master-pubkey --output-format",
        &[MASTER_KEY, REAL_MASTER_KEY],
        "",
    ),
    row("list", "list", &[REMOTE_LIST], ""),
    row("list --ns", "list --ns", &[NS_EFFECT], ""),
    row(
        "list --output-format",
        "list --output-format",
        &[LIST_STATUS_JSON],
        "",
    ),
    row("list --repository", "list --repository", &[REMOTE_LIST], ""),
    row("login", "login", &[REMOTE_E2E], ""),
    row(
        "login --repository",
        "login --repository",
        &[REMOTE_E2E],
        "",
    ),
    row("logout", "logout", &[REMOTE_E2E], ""),
    row(
        "logout --repository",
        "logout --repository",
        &[REMOTE_E2E],
        "",
    ),
    row(
        "map",
        "map",
        &[
            MAP,
            "mount::issue_17_map_prints_the_file_it_made",
            REAL_READ_WRITE,
        ],
        "",
    ),
    row("map --keyfile", "map --keyfile", &[MOUNT_NS], ""),
    row("map --ns", "map --ns", &[MOUNT_NS], ""),
    row(
        "map --repository",
        "map --repository",
        &[MAP, REAL_READ_WRITE],
        "",
    ),
    row("map --verbose", "map --verbose", &[MOUNT_NS], ""),
    row(
        "mount",
        "mount",
        &[
            MOUNT,
            "mount::issue_17_one_shot_mount_detaches_and_umount_ends_it",
        ],
        "",
    ),
    row("mount --keyfile", "mount --keyfile", &[REAL_READ_WRITE], ""),
    row("mount --ns", "mount --ns", &[MOUNT_NS], ""),
    row(
        "mount --repository",
        "mount --repository",
        &[MOUNT, REAL_READ_WRITE],
        "",
    ),
    row(
        "mount --verbose",
        "mount --verbose",
        &["mount::the_shell_mounts_an_archive_by_its_tree_path"],
        "",
    ),
    row(
        "namespace create",
        "ns create",
        &[OUTPUT_FORMATS, REAL_ADMIN],
        "also `namespace create`",
    ),
    row(
        "namespace create --repository",
        "ns create --repository",
        &[REAL_ADMIN],
        "",
    ),
    row(
        "namespace delete",
        "ns delete",
        &[REAL_ADMIN],
        "also `namespace delete`",
    ),
    row(
        "namespace delete --delete-groups",
        "ns delete --delete-groups",
        &[REAL_ADMIN],
        "",
    ),
    row(
        "namespace delete --repository",
        "ns delete --repository",
        &[REAL_ADMIN],
        "",
    ),
    row(
        "namespace list",
        "ns list",
        &[OUTPUT_FORMATS, REAL_ADMIN],
        "also `namespace list`",
    ),
    row("namespace list --max-depth", "namespace list --max-depth", &["cli::shell_tree::ns_list_max_depth_and_help_verbose_as_pbs"], ""),
    row(
        "namespace list --output-format",
        "ns list --output-format",
        &[OUTPUT_FORMATS],
        "",
    ),
    row(
        "namespace list --repository",
        "ns list --repository",
        &[REAL_ADMIN],
        "",
    ),
    row("prune", "prune", &[PRUNE_CLI, REAL_ADMIN], ""),
    row(
        "prune --dry-run",
        "prune --dry-run",
        &[PRUNE_CLI, REAL_ADMIN],
        "",
    ),
    row(
        "prune --output-format",
        "prune --output-format",
        &[PRUNE_CLI, REAL_ADMIN],
        "",
    ),
    row(
        "prune --quiet",
        "prune --quiet",
        &["cli::backup_options::prune_quiet_shows_only_removals_and_index_json_restores"],
        "",
    ),
    row(
        "prune --repository",
        "prune --repository",
        &[REMOTE_E2E, REAL_ADMIN],
        "",
    ),
    row(
        "prune --max-depth",
        "",
        &[],
        "not built: prune takes one group, so there are no namespaces below it to recurse into",
    ),
    row("prune --ns", "prune --ns", &[NS_EFFECT], ""),
    row(
        "prune --keep-daily",
        "prune --keep-daily",
        &[
            "src/engine/prune.rs::keep_daily_keeps_the_last_snapshot_of_each_day",
            KEEP_LAST_THEN_DAILY,
        ],
        "the rule, in the engine",
    ),
    row(
        "prune --keep-hourly",
        "prune --keep-hourly",
        &["src/engine/prune.rs::keep_hourly_matches_pbs_reference_expectations"],
        "the rule, in the engine",
    ),
    row(
        "prune --keep-last",
        "prune --keep-last",
        &[
            PRUNE_CLI,
            "src/engine/prune.rs::keep_last_3_of_10_keeps_the_three_newest",
        ],
        "",
    ),
    row(
        "prune --keep-monthly",
        "prune --keep-monthly",
        &["src/engine/prune.rs::later_options_skip_periods_kept_earlier_and_removals_are_final"],
        "the rule, in the engine",
    ),
    row(
        "prune --keep-weekly",
        "prune --keep-weekly",
        &["src/engine/prune.rs::keep_weekly_across_year_boundary_uses_iso_weeks"],
        "the rule, in the engine",
    ),
    row(
        "prune --keep-yearly",
        "prune --keep-yearly",
        &["src/engine/prune.rs::later_options_skip_periods_kept_earlier_and_removals_are_final"],
        "the rule, in the engine",
    ),
    row("restore", "restore", &[REMOTE_E2E, RESTORE_EXISTING], ""),
    row(
        "restore --allow-existing-dirs",
        "restore --allow-existing-dirs",
        &[RESTORE_EXISTING],
        "",
    ),
    row("restore --burst", "restore --burst", &[RATE, RATE_UNIT], ""),
    row(
        "restore --crypt-mode",
        "restore --crypt-mode",
        &[RESTORE_KEYS],
        "",
    ),
    row(
        "restore --ignore-acls",
        "restore --ignore-acls",
        &[RESTORE_IGNORE],
        "",
    ),
    row(
        "restore --ignore-extract-device-errors",
        "restore --ignore-extract-device-errors",
        &["cli::restore_options::ignore_extract_device_errors_turns_a_failed_device_into_a_warning"],
        "",
    ),
    row(
        "restore --ignore-ownership",
        "restore --ignore-ownership",
        &["cli::restore_options::ignore_ownership_leaves_the_restored_files_to_the_restoring_user"],
        "",
    ),
    row(
        "restore --ignore-permissions",
        "restore --ignore-permissions",
        &[RESTORE_IGNORE],
        "",
    ),
    row(
        "restore --ignore-xattrs",
        "restore --ignore-xattrs",
        &[RESTORE_IGNORE],
        "",
    ),
    row("restore --keyfd", "restore --keyfd", &[RESTORE_KEYS], ""),
    row(
        "restore --keyfile",
        "restore --keyfile",
        &[REMOTE_E2E, REAL_READ_WRITE],
        "",
    ),
    row("restore --ns", "restore --ns", &[NS_EFFECT], ""),
    row(
        "restore --overwrite",
        "restore --overwrite",
        &[RESTORE_EXISTING],
        "",
    ),
    row(
        "restore --overwrite-files",
        "restore --overwrite-files",
        &[RESTORE_EXISTING],
        "",
    ),
    row(
        "restore --overwrite-hardlinks",
        "restore --overwrite-hardlinks",
        &[RESTORE_EXISTING],
        "",
    ),
    row(
        "restore --overwrite-symlinks",
        "restore --overwrite-symlinks",
        &[RESTORE_EXISTING],
        "",
    ),
    row("restore --rate", "restore --rate", &[RATE, RATE_UNIT], ""),
    row(
        "restore --repository",
        "restore --repository",
        &[REMOTE_E2E, REAL_READ_WRITE],
        "",
    ),
    row(
        "snapshot files",
        "snapshot files",
        &[SNAPSHOT_LIST_FILES],
        "",
    ),
    row(
        "snapshot files --ns",
        "snapshot files --ns",
        &[NS_EFFECT],
        "",
    ),
    row(
        "snapshot files --output-format",
        "snapshot files --output-format",
        &[SNAPSHOT_LIST_FILES],
        "",
    ),
    row(
        "snapshot files --repository",
        "snapshot files --repository",
        &[SNAPSHOT_LIST_FILES],
        "",
    ),
    row(
        "snapshot forget",
        "snapshot forget",
        &["cli::shell_tree::forget_from_inside_moves_up", PRUNE_CLI],
        "through `forget`, which runs the same code",
    ),
    row(
        "snapshot forget --ns",
        "snapshot forget --ns",
        &[NS_EFFECT],
        "",
    ),
    row(
        "snapshot forget --repository",
        "snapshot forget --repository",
        &[REAL_ADMIN],
        "through `forget`, which runs the same code",
    ),
    row(
        "snapshot list",
        "snapshot list",
        &[
            SNAPSHOT_LIST_FILES,
            "cli::maintenance::issue_18_one_corrupt_manifest_does_not_hide_the_good_snapshots",
        ],
        "",
    ),
    row("snapshot list --ns", "snapshot list --ns", &[NS_EFFECT], ""),
    row(
        "snapshot list --output-format",
        "snapshot list --output-format",
        &[SNAPSHOT_LIST_FILES],
        "",
    ),
    row(
        "snapshot list --repository",
        "snapshot list --repository",
        &[REAL_ADMIN],
        "",
    ),
    row(
        "snapshot notes show",
        "snapshot notes show",
        &[OUTPUT_FORMATS],
        "",
    ),
    row(
        "snapshot notes show --ns",
        "snapshot notes show --ns",
        &[NS_EFFECT],
        "",
    ),
    row(
        "snapshot notes show --output-format",
        "snapshot notes show --output-format",
        &[OUTPUT_FORMATS],
        "",
    ),
    row(
        "snapshot notes show --repository",
        "snapshot notes show --repository",
        &[OUTPUT_FORMATS],
        "",
    ),
    row(
        "snapshot notes update",
        "snapshot notes update",
        &[OUTPUT_FORMATS],
        "",
    ),
    row(
        "snapshot notes update --ns",
        "snapshot notes update --ns",
        &[NS_EFFECT],
        "",
    ),
    row(
        "snapshot notes update --repository",
        "snapshot notes update --repository",
        &[OUTPUT_FORMATS],
        "",
    ),
    row(
        "snapshot protected show",
        "snapshot protected show",
        &[OUTPUT_FORMATS],
        "",
    ),
    row(
        "snapshot protected show --ns",
        "snapshot protected show --ns",
        &[NS_EFFECT],
        "",
    ),
    row(
        "snapshot protected show --output-format",
        "snapshot protected show --output-format",
        &[OUTPUT_FORMATS],
        "",
    ),
    row(
        "snapshot protected show --repository",
        "snapshot protected show --repository",
        &[OUTPUT_FORMATS],
        "",
    ),
    row(
        "snapshot protected update",
        "snapshot protected update",
        &[OUTPUT_FORMATS],
        "",
    ),
    row(
        "snapshot protected update --ns",
        "snapshot protected update --ns",
        &[NS_EFFECT],
        "",
    ),
    row(
        "snapshot protected update --repository",
        "snapshot protected update --repository",
        &[OUTPUT_FORMATS],
        "",
    ),
    row(
        "snapshot upload-log",
        "snapshot upload-log",
        &[REAL_ADMIN],
        "",
    ),
    row(
        "snapshot upload-log --crypt-mode",
        "snapshot upload-log --crypt-mode",
        &[UPLOAD_LOG_KEY],
        "",
    ),
    row("snapshot upload-log --keyfd", "snapshot upload-log --keyfd", &["cli::restore_options::crypt_mode_and_keyfd_choose_the_key"], ""),
    row(
        "snapshot upload-log --keyfile",
        "snapshot upload-log --keyfile",
        &[UPLOAD_LOG_KEY],
        "",
    ),
    row(
        "snapshot upload-log --ns",
        "snapshot upload-log --ns",
        &[NS_EFFECT],
        "",
    ),
    row(
        "snapshot upload-log --repository",
        "snapshot upload-log --repository",
        &[REAL_ADMIN],
        "",
    ),
    row("status", "status", &[REAL_ADMIN], ""),
    row(
        "status --output-format",
        "status --output-format",
        &[LIST_STATUS_JSON],
        "",
    ),
    row(
        "status --repository",
        "status --repository",
        &[REAL_ADMIN],
        "",
    ),
    row("task list", "task list", &[REMOTE_TASKS, REAL_ADMIN], ""),
    row(
        "task list --all",
        "task list --all",
        &[REMOTE_TASKS, REAL_ADMIN],
        "",
    ),
    row(
        "task list --limit",
        "task list --limit",
        &[REMOTE_TASKS],
        "",
    ),
    row(
        "task list --output-format",
        "task list --output-format",
        &[REMOTE_TASKS],
        "",
    ),
    row(
        "task list --repository",
        "task list --repository",
        &[REMOTE_TASKS],
        "",
    ),
    row("task log", "task log", &[REMOTE_TASKS, REMOTE_E2E], ""),
    row(
        "task log --repository",
        "task log --repository",
        &[REMOTE_E2E],
        "",
    ),
    row("task stop", "task stop", &[REMOTE_TASKS], ""),
    row(
        "task stop --repository",
        "task stop --repository",
        &[REMOTE_TASKS],
        "",
    ),
    row(
        "unmap",
        "unmap",
        &[MAP],
        "by the map's directory; through `umount`, which runs the same code",
    ),
    row("version", "version", &[SERVE_OWNER_VERSION, REAL_ADMIN], ""),
    row(
        "version --output-format",
        "version --output-format",
        &[SERVE_OWNER_VERSION],
        "",
    ),
    row(
        "version --repository",
        "version --repository",
        &[SERVE_OWNER_VERSION],
        "",
    ),
    // The catalog shell's own commands: `catalog shell SNAPSHOT ARCHIVE`, then these.
    row("catalog shell > cd", "cd", &[CATALOG_SHELL], ""),
    row(
        "catalog shell > clear-selected",
        "clear-selected",
        &[CATALOG_PATTERNS],
        "",
    ),
    row(
        "catalog shell > deselect",
        "deselect",
        &[CATALOG_PATTERNS],
        "",
    ),
    row(
        "catalog shell > exit",
        "exit",
        &["cli::cli_keys::piped_script_has_no_prompt"],
        "",
    ),
    row(
        "catalog shell > find",
        "find",
        &[CATALOG_PATTERNS, CATALOG_AS_REAL],
        "",
    ),
    row(
        "catalog shell > find --select",
        "find --select",
        &[CATALOG_PATTERNS, CATALOG_AS_REAL],
        "",
    ),
    row("catalog shell > help", "help", &[HELP_TOPICS], ""),
    row(
        "catalog shell > list-selected",
        "list-selected",
        &[SELECTION],
        "",
    ),
    row(
        "catalog shell > list-selected --patterns",
        "list-selected --patterns",
        &[CATALOG_PATTERNS, CATALOG_AS_REAL],
        "",
    ),
    row("catalog shell > ls", "ls", &[CATALOG_SHELL], ""),
    row("catalog shell > pwd", "pwd", &[CATALOG_SHELL], ""),
    row(
        "catalog shell > restore",
        "restore",
        &[CATALOG_PATTERNS, CATALOG_AS_REAL],
        "",
    ),
    row(
        "catalog shell > restore --pattern",
        "restore --pattern",
        &[CATALOG_PATTERNS, CATALOG_AS_REAL],
        "",
    ),
    row(
        "catalog shell > restore-selected",
        "restore-selected",
        &[SELECTION],
        "",
    ),
    row("catalog shell > select", "select", &[SELECTION], ""),
    row(
        "catalog shell > stat",
        "stat",
        &["cli::shell_tree::listings_as_json"],
        "",
    ),
];

/// The README's reference: a markdown table | proxmox-backup-client | pbsh | tested by |.
pub fn markdown_table() -> String {
    let mut out = String::from("| proxmox-backup-client | pbsh | tested by |\n|---|---|---|\n");
    for p in PBS_PARITY {
        let pbsh = match (p.pbsh, p.note) {
            ("", note) => note.to_string(),
            (form, "") => format!("`{form}`"),
            (form, note) => format!("`{form}` ({note})"),
        };
        let tests = if p.tests.is_empty() {
            "—".to_string()
        } else {
            p.tests
                .iter()
                .map(|t| format!("`{t}`"))
                .collect::<Vec<_>>()
                .join("<br>")
        };
        out.push_str(&format!("| `{}` | {pbsh} | {tests} |\n", p.pbs));
    }
    out
}

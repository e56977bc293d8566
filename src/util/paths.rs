//! Standard locations: the default datastore, config files and PBS's default key paths (XDG).
//!
//! Computes paths only; creating them is the caller's job.

use std::path::PathBuf;

fn home() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/"))
}

fn xdg(var: &str, fallback: &str) -> PathBuf {
    match std::env::var_os(var) {
        Some(v) if !v.is_empty() => PathBuf::from(v),
        _ => home().join(fallback),
    }
}

/// `$XDG_DATA_HOME/pbsh`.
pub fn data_dir() -> PathBuf {
    xdg("XDG_DATA_HOME", ".local/share").join("pbsh")
}

/// The embedded default datastore: `$XDG_DATA_HOME/pbsh/datastore`.
pub fn default_datastore() -> PathBuf {
    data_dir().join("datastore")
}

/// `$XDG_CONFIG_HOME/proxmox-backup`, where proxmox-backup-client keeps its keys.
pub fn pbs_config_dir() -> PathBuf {
    xdg("XDG_CONFIG_HOME", ".config").join("proxmox-backup")
}

/// PBS's default encryption key file.
pub fn default_encryption_key() -> PathBuf {
    pbs_config_dir().join("encryption-key.json")
}

/// PBS's default master public key file.
pub fn default_master_pubkey() -> PathBuf {
    pbs_config_dir().join("master-public.pem")
}

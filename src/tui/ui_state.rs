//! What the screen showed when the TUI quit (the list, its tab and filters, the record shown,
//! the pane), kept per workspace in the XDG state dir so that the next start opens there. A
//! file that is missing, corrupt or of another version is ignored with a note, never fatal.
//! Nothing secret is in it: names of filters and ids only.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::model::AccountFilter;

/// Bumped when the shape changes; a file of another version is ignored.
pub const VERSION: u32 = 1;

/// The largest file read back (a few kB is normal; anything bigger is not ours).
const MAX_BYTES: u64 = 256 * 1024;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UiState {
    pub version: u32,
    /// `accounts`, `cases`, …, or `dashboard`.
    pub view: String,
    /// `list`, `detail` or `thread`.
    pub pane: String,
    #[serde(default)]
    pub account_filter: AccountFilter,
    /// `open` or `closed`.
    #[serde(default)]
    pub account_tab: String,
    /// Per list beyond accounts: its filter and tab.
    #[serde(default)]
    pub lists: BTreeMap<String, SavedList>,
    /// The record the detail pane showed.
    #[serde(default)]
    pub shown: Option<Uuid>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SavedList {
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub params: Vec<(String, String)>,
    #[serde(default)]
    pub tab: usize,
}

/// The state file of a workspace: `ui-<key>.json` in `dir`, the key made file-name safe.
pub fn path_in(dir: &Path, workspace: &str) -> PathBuf {
    let key: String = workspace
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .take(80)
        .collect();
    dir.join(format!("ui-{key}.json"))
}

/// Reads the state back; `Err` says why it was ignored (never for a missing file).
pub fn load(path: &Path) -> Result<Option<UiState>, String> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    if meta.len() > MAX_BYTES {
        return Err(format!("{} is too large; ignored", path.display()));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let state: UiState = serde_json::from_str(&text)
        .map_err(|e| format!("{} is not a saved screen ({e}); ignored", path.display()))?;
    if state.version != VERSION {
        return Err(format!(
            "{} is from another version of crmtui; ignored",
            path.display()
        ));
    }
    Ok(Some(state))
}

/// Writes the state: a temp file beside it (0600), then renamed over it.
pub fn save(path: &Path, state: &UiState) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let text = serde_json::to_vec_pretty(state).map_err(std::io::Error::other)?;
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    {
        use std::io::Write;
        let mut f = options.open(&tmp)?;
        f.write_all(&text)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_round_trips_and_a_bad_file_is_ignored_with_a_reason() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = path_in(dir.path(), "https://crm.example.com/ org 1");
        assert!(path.ends_with("ui-https___crm_example_com__org_1.json"));
        assert_eq!(load(&path), Ok(None), "no file yet");
        let state = UiState {
            version: VERSION,
            view: "cases".into(),
            pane: "detail".into(),
            shown: Some(Uuid::from_u128(7)),
            ..Default::default()
        };
        save(&path, &state).expect("save");
        assert_eq!(load(&path), Ok(Some(state.clone())));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, "{not json").expect("write");
        assert!(load(&path).is_err_and(|e| e.contains("ignored")));
        let old = UiState {
            version: VERSION + 1,
            ..state
        };
        std::fs::write(&path, serde_json::to_string(&old).expect("json")).expect("write");
        assert!(load(&path).is_err_and(|e| e.contains("another version")));
    }
}

//! The external editor (`ctrl-e` in the comment and mail editors): the draft goes into a 0600
//! temp file, `$VISUAL` (or `$EDITOR`, else `vi`) edits it, and the text comes back. The runtime
//! suspends the terminal around [`edit`] and runs it on a blocking thread.

use std::io::Write as _;
use std::process::Command;

/// The editor's command line, split as a shell would (`code --wait`, `"my editor" -f`).
pub fn command(var: impl Fn(&str) -> Option<String>) -> Result<Vec<String>, String> {
    let (name, line) = ["VISUAL", "EDITOR"]
        .into_iter()
        .find_map(|k| var(k).filter(|v| !v.trim().is_empty()).map(|v| (k, v)))
        .unwrap_or(("default", "vi".to_string()));
    let words =
        shell_words::split(&line).map_err(|e| format!("cannot read ${name} {line:?}: {e}"))?;
    if words.is_empty() {
        return Err(format!("${name} is empty"));
    }
    Ok(words)
}

/// Edits `text` in the user's editor; `Err` says why the draft is kept as it was.
pub fn edit(text: &str) -> Result<String, String> {
    let words = command(|k| std::env::var(k).ok())?;
    let (program, args) = words.split_first().ok_or_else(|| "no editor".to_string())?;
    // tempfile creates the file 0600 (readable by us only): a draft can be private.
    let mut file = tempfile::Builder::new()
        .prefix("crmtui-draft-")
        .suffix(".txt")
        .tempfile()
        .map_err(|e| format!("cannot create a temp file for the editor: {e}"))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.flush())
        .map_err(|e| format!("cannot write the draft for the editor: {e}"))?;
    let status = Command::new(program)
        .args(args)
        .arg(file.path())
        .status()
        .map_err(|e| format!("cannot run the editor {program:?}: {e}"))?;
    if !status.success() {
        return Err(format!("the editor {program:?} failed ({status})"));
    }
    // Read by path: many editors save by writing a new file and renaming it over the old one.
    let new = std::fs::read_to_string(file.path())
        .map_err(|e| format!("cannot read the edited text: {e}"))?;
    // Editors end the file with a newline the draft did not have.
    let new = new.strip_suffix('\n').unwrap_or(&new);
    let new = new.strip_suffix('\r').unwrap_or(new);
    Ok(new.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visual_wins_and_words_are_split_like_a_shell() {
        let env = |visual: Option<&'static str>, editor: Option<&'static str>| {
            move |k: &str| match k {
                "VISUAL" => visual.map(str::to_string),
                "EDITOR" => editor.map(str::to_string),
                _ => None,
            }
        };
        assert_eq!(
            command(env(Some("code --wait"), Some("nano"))),
            Ok(vec!["code".to_string(), "--wait".to_string()])
        );
        assert_eq!(
            command(env(Some(" "), Some("'my editor' -f"))),
            Ok(vec!["my editor".to_string(), "-f".to_string()])
        );
        assert_eq!(command(env(None, None)), Ok(vec!["vi".to_string()]));
        assert!(command(env(Some("vim 'unclosed"), None)).is_err());
    }
}

//! State shared by every `retry` process of a user: where it lives, and
//! reading and replacing one small JSON file under an exclusive lock.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde::de::DeserializeOwned;

/// How long to wait for another process's lock before giving up on the
/// shared state for this step. The lock is held for microseconds (read,
/// decide, write), so only a stopped or hung process makes it wait long,
/// and that must not wedge everyone else.
const LOCK_WAIT: Duration = Duration::from_secs(5);

/// The state directory: the option (or `RETRY_STATE_DIR`), else
/// `$XDG_STATE_HOME/retry`, else `~/.local/state/retry`.
pub fn state_dir(option: Option<&Path>) -> Result<PathBuf, StateError> {
    if let Some(dir) = option {
        return Ok(dir.to_owned());
    }
    let non_empty = |name| std::env::var_os(name).filter(|value| !value.is_empty());
    // The XDG spec: a relative XDG_STATE_HOME is invalid and ignored.
    if let Some(xdg) = non_empty("XDG_STATE_HOME").map(PathBuf::from)
        && xdg.is_absolute()
    {
        return Ok(xdg.join("retry"));
    }
    match non_empty("HOME") {
        Some(home) => Ok(PathBuf::from(home).join(".local/state/retry")),
        None => Err(StateError::NoDir),
    }
}

/// Why the shared state cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// Neither the option, `XDG_STATE_HOME` nor `HOME` names a directory.
    #[error("no state directory: give --state-dir, or set RETRY_STATE_DIR or HOME")]
    NoDir,
    /// The file or its directory cannot be created, read or written.
    #[error("cannot use '{}': {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// Another process held the lock for all of [`LOCK_WAIT`].
    #[error("'{}' stayed locked by another process for {}s", path.display(), LOCK_WAIT.as_secs())]
    Busy {
        /// The file.
        path: PathBuf,
    },
}

/// What a locked file held.
#[derive(Debug)]
pub enum Contents<T> {
    /// Nothing yet: a new file.
    Empty,
    /// A valid state.
    Valid(T),
    /// Something that is not a state, and why.
    Corrupt(String),
}

/// Opens (creating it and its directory if need be) the file at `path`,
/// locks it, hands its contents to `update` and writes back the state
/// `update` returns, if any; the lock is released on return.
pub fn update<T, R>(
    path: &Path,
    update: impl FnOnce(Contents<T>) -> (Option<T>, R),
) -> Result<R, StateError>
where
    T: Serialize + DeserializeOwned,
{
    let io_error = |path: &Path| {
        let path = path.to_owned();
        move |source| StateError::Io { path, source }
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io_error(dir))?;
    }
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(io_error(path))?;
    lock(&file, path)?;
    let mut text = String::new();
    let contents = match file.read_to_string(&mut text) {
        Ok(_) if text.trim().is_empty() => Contents::Empty,
        Ok(_) => match serde_json::from_str(&text) {
            Ok(state) => Contents::Valid(state),
            Err(e) => Contents::Corrupt(e.to_string()),
        },
        Err(e) => Contents::Corrupt(e.to_string()),
    };
    let (next, result) = update(contents);
    if let Some(next) = next {
        let mut text = serde_json::to_string(&next).map_err(|e| StateError::Io {
            path: path.to_owned(),
            source: io::Error::other(e),
        })?;
        text.push('\n');
        file.set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| file.write_all(text.as_bytes()))
            .map_err(io_error(path))?;
    }
    Ok(result)
}

/// Takes the file's exclusive lock, waiting at most [`LOCK_WAIT`].
fn lock(file: &File, path: &Path) -> Result<(), StateError> {
    let start = Instant::now();
    let mut pause = Duration::from_micros(200);
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(()),
            Err(std::fs::TryLockError::WouldBlock) if start.elapsed() < LOCK_WAIT => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(20));
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(StateError::Busy {
                    path: path.to_owned(),
                });
            }
            Err(std::fs::TryLockError::Error(source)) => {
                return Err(StateError::Io {
                    path: path.to_owned(),
                    source,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn update_creates_reads_and_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/count.json");
        let bump = |contents: Contents<u32>| {
            let next = match contents {
                Contents::Empty => 1,
                Contents::Valid(n) => n + 1,
                Contents::Corrupt(_) => 100,
            };
            (Some(next), next)
        };
        assert_eq!(update(&path, bump).unwrap(), 1);
        assert_eq!(update(&path, bump).unwrap(), 2);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "2\n");
        std::fs::write(&path, "{not json").unwrap();
        assert_eq!(update(&path, bump).unwrap(), 100);
        // Nothing written when the update returns no state.
        update(&path, |_: Contents<u32>| (None, ())).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "100\n");
    }

    #[test]
    fn a_path_under_a_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("plain");
        std::fs::write(&file, "").unwrap();
        let error = update(&file.join("x.json"), |_: Contents<u32>| (None, ())).unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with(&format!("cannot use '{}'", file.display())),
            "{message}"
        );
    }

    #[test]
    fn the_option_wins_over_the_environment() {
        let dir = Path::new("/some/dir");
        assert_eq!(state_dir(Some(dir)).unwrap(), dir);
    }
}

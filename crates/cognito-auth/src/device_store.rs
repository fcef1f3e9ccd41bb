//! Where remembered devices are kept between sign-ins.

use crate::DeviceCredentials;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Identifies whose device a record is: one per pool, app client and user.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DeviceKeyRef {
    /// User pool id.
    pub pool_id: String,
    /// App client id.
    pub client_id: String,
    /// The name the user signs in with.
    pub username: String,
}

impl DeviceKeyRef {
    fn as_key(&self) -> String {
        format!("{}/{}/{}", self.pool_id, self.client_id, self.username)
    }
}

/// Why the device store failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeviceStoreError {
    /// Reading or writing the file failed.
    #[error("device store {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The IO error.
        source: std::io::Error,
    },
    /// The file is not a device store (it is left untouched).
    #[error("device store {path} is corrupt: {reason}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

/// Keeps remembered devices. Implementations must be safe to share between tasks.
pub trait DeviceStore: Send + Sync + std::fmt::Debug {
    /// The device remembered for this user, if any.
    fn get(&self, key: &DeviceKeyRef) -> Result<Option<DeviceCredentials>, DeviceStoreError>;
    /// Remembers a device (replacing any other for this user).
    fn put(&self, key: &DeviceKeyRef, device: &DeviceCredentials) -> Result<(), DeviceStoreError>;
    /// Forgets this user's device.
    fn remove(&self, key: &DeviceKeyRef) -> Result<(), DeviceStoreError>;
}

/// Devices kept in memory for the life of the process.
#[derive(Debug, Default)]
pub struct MemoryDeviceStore {
    devices: Mutex<BTreeMap<String, DeviceCredentials>>,
}

impl DeviceStore for MemoryDeviceStore {
    fn get(&self, key: &DeviceKeyRef) -> Result<Option<DeviceCredentials>, DeviceStoreError> {
        Ok(self
            .devices
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key.as_key())
            .cloned())
    }

    fn put(&self, key: &DeviceKeyRef, device: &DeviceCredentials) -> Result<(), DeviceStoreError> {
        self.devices
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key.as_key(), device.clone());
        Ok(())
    }

    fn remove(&self, key: &DeviceKeyRef) -> Result<(), DeviceStoreError> {
        self.devices
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&key.as_key());
        Ok(())
    }
}

/// Devices kept in a JSON file: created with mode 0600, replaced atomically (write a temporary
/// file, fsync, rename), so a crash never leaves a half-written store. A corrupt file is reported
/// and never overwritten. Updates hold an exclusive lock on `<file>.lock`, so several processes
/// (CLI runs, service instances) can share one store without losing each other's devices.
///
/// ```
/// use cognito_auth::{DeviceStore, FileDeviceStore, DeviceKeyRef, DeviceCredentials};
/// let dir = std::env::temp_dir().join(format!("devstore-doc-{}", std::process::id()));
/// let store = FileDeviceStore::new(dir.join("devices.json"));
/// let key = DeviceKeyRef { pool_id: "us-east-1_A".into(), client_id: "c".into(), username: "alice".into() };
/// assert!(store.get(&key)?.is_none());
/// let dev = DeviceCredentials { device_key: "k".into(), device_group_key: "g".into(), device_password: "p".into() };
/// store.put(&key, &dev)?;
/// assert_eq!(FileDeviceStore::new(dir.join("devices.json")).get(&key)?, Some(dev));
/// # std::fs::remove_dir_all(dir).ok();
/// # Ok::<(), cognito_auth::DeviceStoreError>(())
/// ```
#[derive(Debug)]
pub struct FileDeviceStore {
    path: PathBuf,
    lock: Mutex<()>,
}

impl FileDeviceStore {
    /// A store in this file (created on first write).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileDeviceStore {
            path: path.into(),
            lock: Mutex::new(()),
        }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn io(&self, source: std::io::Error) -> DeviceStoreError {
        DeviceStoreError::Io {
            path: self.path.clone(),
            source,
        }
    }

    fn load(&self) -> Result<BTreeMap<String, DeviceCredentials>, DeviceStoreError> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| DeviceStoreError::Corrupt {
                path: self.path.clone(),
                reason: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(e) => Err(self.io(e)),
        }
    }

    fn save(&self, devices: &BTreeMap<String, DeviceCredentials>) -> Result<(), DeviceStoreError> {
        let bytes =
            serde_json::to_vec_pretty(devices).map_err(|e| self.io(std::io::Error::other(e)))?;
        crate::private_file::write_private_file(&self.path, &bytes).map_err(|e| self.io(e))
    }

    fn update(
        &self,
        f: impl FnOnce(&mut BTreeMap<String, DeviceCredentials>),
    ) -> Result<(), DeviceStoreError> {
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        // Other processes (another CLI run, another service instance) may share the file.
        let _file_lock = crate::private_file::lock_exclusive(&self.path).map_err(|e| self.io(e))?;
        let mut devices = self.load()?;
        f(&mut devices);
        self.save(&devices)
    }
}

impl DeviceStore for FileDeviceStore {
    fn get(&self, key: &DeviceKeyRef) -> Result<Option<DeviceCredentials>, DeviceStoreError> {
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        Ok(self.load()?.get(&key.as_key()).cloned())
    }

    fn put(&self, key: &DeviceKeyRef, device: &DeviceCredentials) -> Result<(), DeviceStoreError> {
        self.update(|d| {
            d.insert(key.as_key(), device.clone());
        })
    }

    fn remove(&self, key: &DeviceKeyRef) -> Result<(), DeviceStoreError> {
        self.update(|d| {
            d.remove(&key.as_key());
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "cognito-auth-devstore-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    fn key(n: usize) -> DeviceKeyRef {
        DeviceKeyRef {
            pool_id: "us-east-1_A".into(),
            client_id: "c".into(),
            username: format!("user{n}"),
        }
    }

    fn device(n: usize) -> DeviceCredentials {
        DeviceCredentials {
            device_key: format!("us-east-1_{n}"),
            device_group_key: "g".into(),
            device_password: format!("p{n}").into(),
        }
    }

    /// Separate store instances (own mutexes, own file descriptors, like separate processes)
    /// writing the same file at once: the file lock serializes their read-modify-writes, so no
    /// device is lost.
    #[test]
    fn concurrent_writers_on_one_file_lose_nothing() {
        let dir = temp_dir("concurrent");
        let path = dir.join("devices.json");
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let path = path.clone();
                std::thread::spawn(move || {
                    for i in 0..10 {
                        let n = t * 10 + i;
                        FileDeviceStore::new(&path)
                            .put(&key(n), &device(n))
                            .unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let store = FileDeviceStore::new(&path);
        for n in 0..80 {
            assert_eq!(store.get(&key(n)).unwrap(), Some(device(n)), "device {n}");
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_corrupt_file_is_reported_and_left_alone() {
        let dir = temp_dir("corrupt");
        let path = dir.join("devices.json");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(&path, b"{not json").unwrap();
        let store = FileDeviceStore::new(&path);
        assert!(matches!(
            store.put(&key(1), &device(1)),
            Err(DeviceStoreError::Corrupt { .. })
        ));
        assert!(matches!(
            store.get(&key(1)),
            Err(DeviceStoreError::Corrupt { .. })
        ));
        assert_eq!(std::fs::read(&path).unwrap(), b"{not json");
        let _ = std::fs::remove_dir_all(dir);
    }
}

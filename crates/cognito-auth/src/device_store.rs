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
/// and never overwritten.
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
        use std::io::Write;
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| self.io(e))?;
        }
        let bytes =
            serde_json::to_vec_pretty(devices).map_err(|e| self.io(std::io::Error::other(e)))?;
        let tmp = self
            .path
            .with_extension(format!("tmp-{}", std::process::id()));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&tmp).map_err(|e| self.io(e))?;
        file.write_all(&bytes)
            .and_then(|()| file.sync_all())
            .map_err(|e| self.io(e))?;
        drop(file);
        std::fs::rename(&tmp, &self.path).map_err(|e| self.io(e))?;
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if let Ok(d) = std::fs::File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    }

    fn update(
        &self,
        f: impl FnOnce(&mut BTreeMap<String, DeviceCredentials>),
    ) -> Result<(), DeviceStoreError> {
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
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

//! Reading the sources: the TOML file, `GATEHOUSE_*` variables and flags, merged into one table
//! and parsed with every unknown key and wrong type collected.

use super::*;

/// Overrides given on the command line; they win over file and environment.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// `--config FILE`
    pub config_file: Option<PathBuf>,
    /// `--database-url URL`
    pub database_url: Option<String>,
    /// `--bind ADDR:PORT`
    pub bind: Option<String>,
}

/// What reading the configuration found: the values (a refused key keeps its default), every
/// problem (unknown keys, wrong types, values out of range) and warnings (keys that have no
/// effect yet, mail links to pages nothing serves, weak argon2 parameters).
#[derive(Clone, Debug)]
pub struct Checked {
    /// The configuration read.
    pub config: Config,
    /// Every problem, `key: what is wrong`; the configuration is usable only without any.
    pub problems: Vec<String>,
    /// Warnings, `key …`; the configuration is usable.
    pub warnings: Vec<String>,
}

impl Checked {
    /// The configuration, or an error naming every problem.
    pub fn into_result(self) -> anyhow::Result<Config> {
        if self.problems.is_empty() {
            Ok(self.config)
        } else {
            Err(problems_error(&self.problems))
        }
    }
}

pub(super) fn problems_error(problems: &[String]) -> anyhow::Error {
    anyhow::anyhow!("invalid configuration ({} problems):\n  {}", problems.len(), problems.join("\n  "))
}

impl Config {
    /// Loads the configuration from file, environment and flags; an error names every problem.
    pub fn load(overrides: &Overrides) -> anyhow::Result<Config> {
        Self::check(overrides)?.into_result()
    }

    /// Reads file, environment and flags and checks every key; fails only when the file cannot
    /// be read or is not TOML (or a `…_FILE` variable names an unreadable file).
    pub fn check(overrides: &Overrides) -> anyhow::Result<Checked> {
        Self::check_with(overrides, &crate::extend::Extensions::default())
    }

    /// [`Config::check`] knowing an application's routes and policies (see [`crate::extend`]).
    pub fn check_with(overrides: &Overrides, extensions: &crate::extend::Extensions) -> anyhow::Result<Checked> {
        let env: Vec<(String, String)> = std::env::vars().collect();
        Self::check_from_with(overrides, &env, extensions)
    }

    /// [`Config::check`] with the environment given explicitly (for tests).
    pub fn check_from(overrides: &Overrides, env: &[(String, String)]) -> anyhow::Result<Checked> {
        Self::check_from_with(overrides, env, &crate::extend::Extensions::default())
    }

    /// [`Config::check_from`] knowing an application's routes and policies.
    pub fn check_from_with(
        overrides: &Overrides,
        env: &[(String, String)],
        extensions: &crate::extend::Extensions,
    ) -> anyhow::Result<Checked> {
        let (config, mut problems) = parse_table(merged_table(overrides, env)?);
        problems.extend(config.problems_with(extensions));
        let warnings = config.warnings();
        Ok(Checked { config, problems, warnings })
    }

    /// The configuration from file, environment and flags (environment given explicitly, for
    /// tests), refusing unknown keys and wrong types but without range checks.
    pub fn load_from(overrides: &Overrides, env: &[(String, String)]) -> anyhow::Result<Config> {
        let (config, problems) = parse_table(merged_table(overrides, env)?);
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(problems_error(&problems))
        }
    }
}

/// The file, then the environment, then the flags, as one TOML table.
fn merged_table(overrides: &Overrides, env: &[(String, String)]) -> anyhow::Result<toml::Table> {
    let file = overrides
        .config_file
        .clone()
        .or_else(|| env.iter().find(|(key, _)| key == "GATEHOUSE_CONFIG").map(|(_, value)| PathBuf::from(value)));
    let mut table = match file {
        Some(path) => read_table(&path)?,
        None if Path::new("gatehouse.toml").exists() => read_table(Path::new("gatehouse.toml"))?,
        None => toml::Table::new(),
    };
    for (path, value) in env_overrides(env)? {
        set_path(&mut table, &path, value)?;
    }
    if let Some(url) = &overrides.database_url {
        set_path(&mut table, &["database".into(), "url".into()], toml::Value::String(url.clone()))?;
    }
    if let Some(bind) = &overrides.bind {
        set_path(&mut table, &["server".into(), "bind".into()], toml::Value::String(bind.clone()))?;
    }
    Ok(table)
}

/// Deserializes `table`, collecting every unknown key and every value of the wrong type: a
/// refused value is named, removed (its default applies) and the rest read again.
fn parse_table(mut table: toml::Table) -> (Config, Vec<String>) {
    let mut problems = Vec::new();
    loop {
        let mut unknown = Vec::new();
        let value = toml::Value::Table(table.clone());
        let mut record = |path: serde_ignored::Path<'_>| unknown.push(path.to_string());
        let result =
            serde_path_to_error::deserialize::<_, Config>(serde_ignored::Deserializer::new(value, &mut record));
        match result {
            Ok(config) => {
                problems.extend(unknown.into_iter().map(|key| format!("{key}: unknown key")));
                return (config, problems);
            }
            Err(error) => {
                let mut keys = Vec::new();
                for segment in error.path().iter() {
                    match segment {
                        serde_path_to_error::Segment::Map { key } => keys.push(key.clone()),
                        _ => break,
                    }
                }
                problems.push(format!("{}: {}", error.path(), error.inner().message()));
                if !remove_path(&mut table, &keys) {
                    return (Config::default(), problems);
                }
            }
        }
    }
}

/// Removes the value at `path`; false when there is nothing to remove.
fn remove_path(table: &mut toml::Table, path: &[String]) -> bool {
    match path {
        [] => false,
        [last] => table.remove(last).is_some(),
        [first, rest @ ..] => match table.get_mut(first) {
            Some(toml::Value::Table(inner)) => remove_path(inner, rest),
            Some(_) => table.remove(first).is_some(),
            None => false,
        },
    }
}

fn read_table(path: &Path) -> anyhow::Result<toml::Table> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("{} is not valid TOML", path.display()))
}

/// `GATEHOUSE_<SECTION>__<KEY>[__<KEY>…][_FILE]` variables as key paths and values. Variables
/// without `__` (such as `GATEHOUSE_CONFIG`) are not configuration keys.
fn env_overrides(env: &[(String, String)]) -> anyhow::Result<Vec<(Vec<String>, toml::Value)>> {
    let mut found = BTreeMap::new();
    for (name, raw) in env {
        let Some(rest) = name.strip_prefix("GATEHOUSE_") else {
            continue;
        };
        if !rest.contains("__") {
            continue;
        }
        let lowered = rest.to_ascii_lowercase();
        let (key, value) = match lowered.strip_suffix("_file") {
            Some(key) => {
                let content = std::fs::read_to_string(raw).with_context(|| format!("{name}: cannot read {raw}"))?;
                (key.to_owned(), content.trim_end_matches(['\n', '\r']).to_owned())
            }
            None => (lowered, raw.clone()),
        };
        let path: Vec<String> = key.split("__").map(str::to_owned).collect();
        found.insert(path, parse_env_value(&value));
    }
    Ok(found.into_iter().collect())
}

/// An environment value as a TOML literal when it is one (`true`, `8`, `["a","b"]`), else a string.
fn parse_env_value(raw: &str) -> toml::Value {
    toml::from_str::<toml::Table>(&format!("value = {raw}"))
        .ok()
        .and_then(|mut table| table.remove("value"))
        .unwrap_or_else(|| toml::Value::String(raw.to_owned()))
}

fn set_path(table: &mut toml::Table, path: &[String], value: toml::Value) -> anyhow::Result<()> {
    let Some((last, parents)) = path.split_last() else {
        return Ok(());
    };
    let mut current = table;
    for key in parents {
        let entry = current.entry(key.clone()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
        current = match entry {
            toml::Value::Table(inner) => inner,
            _ => bail!("configuration key {} is not a section", path.join(".")),
        };
    }
    current.insert(last.clone(), value);
    Ok(())
}

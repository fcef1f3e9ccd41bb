//! `pycognito admin ...`: users and groups through the SigV4-signed admin API.

use super::{CliError, Global, context};
use cognito_admin::{Filter, GroupSpec, NewUser, UserQuery};
use cognito_wire::UserType;

/// Admin subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum AdminCommand {
    /// Users.
    #[command(subcommand)]
    Users(UsersCommand),
    /// Groups.
    #[command(subcommand)]
    Groups(GroupsCommand),
}

/// `pycognito admin users ...`.
#[derive(Debug, clap::Subcommand)]
pub enum UsersCommand {
    /// List every user (all pages), optionally filtered: `--filter 'email=a@b.c'` or
    /// `--filter 'name^=Jo'`.
    List {
        /// `attribute=value` (exact) or `attribute^=prefix`.
        #[arg(long)]
        filter: Option<String>,
    },
    /// Create a user.
    Create {
        /// The username.
        username: String,
        /// Read the temporary password from the first line of standard input (else Cognito
        /// generates one).
        /// (No option takes a password as an argument: other users could read it in `ps`.)
        #[arg(long)]
        temporary_password_stdin: bool,
        /// An attribute `name=value` (repeatable).
        #[arg(long = "attribute", short = 'a')]
        attributes: Vec<String>,
        /// Do not send the invitation.
        #[arg(long)]
        suppress: bool,
    },
    /// Delete a user.
    Delete {
        /// The username.
        username: String,
    },
    /// Enable a user.
    Enable {
        /// The username.
        username: String,
    },
    /// Disable a user.
    Disable {
        /// The username.
        username: String,
    },
    /// Set a user's password (read from standard input).
    SetPassword {
        /// The username.
        username: String,
        /// Make it permanent (else the user must change it at next sign-in).
        #[arg(long)]
        permanent: bool,
    },
    /// Add a user to a group.
    AddGroup {
        /// The username.
        username: String,
        /// The group.
        group: String,
    },
    /// Remove a user from a group.
    RemoveGroup {
        /// The username.
        username: String,
        /// The group.
        group: String,
    },
}

/// `pycognito admin groups ...`.
#[derive(Debug, clap::Subcommand)]
pub enum GroupsCommand {
    /// List every group (all pages).
    List,
    /// Create a group.
    Create {
        /// The group name.
        name: String,
        /// A description.
        #[arg(long)]
        description: Option<String>,
    },
    /// Delete a group.
    Delete {
        /// The group name.
        name: String,
    },
}

fn parse_filter(text: &str) -> Result<Filter, CliError> {
    if let Some((name, prefix)) = text.split_once("^=") {
        return Ok(Filter::starts_with(name.trim(), prefix.trim()));
    }
    if let Some((name, value)) = text.split_once('=') {
        return Ok(Filter::eq(name.trim(), value.trim()));
    }
    Err(CliError::usage(format!(
        "filter {text:?} is not attribute=value or attribute^=prefix"
    )))
}

fn print_user(g: &Global, u: &UserType) {
    let name = u
        .username
        .as_ref()
        .map(|n| n.expose().to_owned())
        .unwrap_or_default();
    let status = u
        .user_status
        .as_ref()
        .map(|s| s.as_str().to_owned())
        .unwrap_or_default();
    if g.json {
        let attrs: serde_json::Map<String, serde_json::Value> = u
            .attributes
            .iter()
            .flatten()
            .map(|a| {
                (
                    a.name.clone(),
                    a.value
                        .as_ref()
                        .map(|v| v.expose().to_owned())
                        .unwrap_or_default()
                        .into(),
                )
            })
            .collect();
        println!(
            "{}",
            serde_json::json!({"username": name, "status": status, "enabled": u.enabled, "attributes": attrs})
        );
    } else {
        println!(
            "{name}\t{status}\t{}",
            if u.enabled == Some(false) {
                "disabled"
            } else {
                "enabled"
            }
        );
    }
}

/// Runs an admin subcommand.
pub async fn run(g: &Global, c: AdminCommand) -> Result<(), CliError> {
    let admin = context::admin(g).await?;
    match c {
        AdminCommand::Users(UsersCommand::List { filter }) => {
            let mut q = UserQuery::new();
            if let Some(f) = filter {
                q = q.filter(parse_filter(&f)?);
            }
            for u in admin.list_users_all(q).await? {
                print_user(g, &u);
            }
        }
        AdminCommand::Users(UsersCommand::Create {
            username,
            temporary_password_stdin,
            attributes,
            suppress,
        }) => {
            let mut new = NewUser::new(username.as_str());
            if temporary_password_stdin {
                new = new.temporary_password(super::prompt::stdin_line("temporary password")?);
            }
            for a in attributes {
                let (k, v) = a
                    .split_once('=')
                    .ok_or_else(|| CliError::usage(format!("{a:?} is not name=value")))?;
                new = new.attribute(k, v);
            }
            if suppress {
                new = new.suppress_message();
            }
            let u = admin.create_user(new).await?;
            print_user(g, &u);
        }
        AdminCommand::Users(UsersCommand::Delete { username }) => {
            admin.delete_user(username.as_str()).await?;
            println!("deleted {username}");
        }
        AdminCommand::Users(UsersCommand::Enable { username }) => {
            admin.enable_user(username.as_str()).await?;
            println!("enabled {username}");
        }
        AdminCommand::Users(UsersCommand::Disable { username }) => {
            admin.disable_user(username.as_str()).await?;
            println!("disabled {username}");
        }
        AdminCommand::Users(UsersCommand::SetPassword {
            username,
            permanent,
        }) => {
            let password = super::prompt::secret("New password", true)?;
            admin
                .set_user_password(username.as_str(), password.expose(), permanent)
                .await?;
            println!("password set for {username}");
        }
        AdminCommand::Users(UsersCommand::AddGroup { username, group }) => {
            admin
                .add_user_to_group(username.as_str(), group.as_str())
                .await?;
            println!("added {username} to {group}");
        }
        AdminCommand::Users(UsersCommand::RemoveGroup { username, group }) => {
            admin
                .remove_user_from_group(username.as_str(), group.as_str())
                .await?;
            println!("removed {username} from {group}");
        }
        AdminCommand::Groups(GroupsCommand::List) => {
            for grp in admin.list_groups_all().await? {
                let name = grp.group_name.unwrap_or_default();
                if g.json {
                    println!(
                        "{}",
                        serde_json::json!({
                            "name": name,
                            "description": grp.description,
                            "precedence": grp.precedence,
                            "role_arn": grp.role_arn,
                        })
                    );
                } else {
                    println!("{name}");
                }
            }
        }
        AdminCommand::Groups(GroupsCommand::Create { name, description }) => {
            let mut spec = GroupSpec::new(name.as_str());
            if let Some(d) = description {
                spec = spec.description(d);
            }
            admin.create_group(spec).await?;
            println!("created group {name}");
        }
        AdminCommand::Groups(GroupsCommand::Delete { name }) => {
            admin.delete_group(name.as_str()).await?;
            println!("deleted group {name}");
        }
    }
    Ok(())
}

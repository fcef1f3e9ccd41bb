//! Pagination: every list operation as a stream over all its pages, following the page token
//! (`PaginationToken` or `NextToken`, as `paginators-1.json` names them) until it is absent.
//!
//! [`pages`] streams whole responses, [`items`] the items of every page in order. Both stop
//! with [`AdminError::PaginationLoop`] when the service hands back a token it already gave,
//! instead of looping forever.

use std::collections::HashSet;

use cognito_wire::{
    DeviceType, GroupType, Operation, ProviderDescription, UserPoolClientDescription, UserType, op,
};
use futures_util::stream::{self, Stream, StreamExt as _, TryStreamExt as _};

use cognito_wire::MissingField;

use crate::error::AdminError;

/// A list operation whose results come in pages.
///
/// ```
/// use cognito_admin::paginate::Paginated;
/// use cognito_wire::{ListUsersRequest, ListUsersResponse, op};
/// let mut req = ListUsersRequest::builder().user_pool_id("us-east-1_Pool").build()?;
/// <op::ListUsers as Paginated>::set_token(&mut req, Some("t1".into()));
/// assert_eq!(req.pagination_token.as_deref(), Some("t1"));
/// let mut page = ListUsersResponse::default();
/// page.pagination_token = Some(String::new());
/// // An empty token means "no more pages".
/// assert_eq!(<op::ListUsers as Paginated>::next_token(&page), None);
/// # Ok::<(), cognito_wire::MissingField>(())
/// ```
pub trait Paginated: Operation {
    /// One result.
    type Item: Send + 'static;
    /// Sets the input token (`None`: the first page).
    fn set_token(input: &mut Self::Input, token: Option<String>);
    /// The output token; `None` (or an empty string) means this was the last page.
    fn next_token(output: &Self::Output) -> Option<String>;
    /// The page's results.
    fn items(output: Self::Output) -> Vec<Self::Item>;
}

macro_rules! paginated {
    ($op:ident, $item:ty, $input_token:ident, $output_token:ident, $items:ident, $wrap:expr) => {
        impl Paginated for op::$op {
            type Item = $item;
            fn set_token(input: &mut Self::Input, token: Option<String>) {
                input.$input_token = token;
            }
            fn next_token(output: &Self::Output) -> Option<String> {
                output.$output_token.clone().filter(|t| !t.is_empty())
            }
            fn items(output: Self::Output) -> Vec<Self::Item> {
                let wrap: fn(_) -> Vec<$item> = $wrap;
                wrap(output.$items)
            }
        }
    };
}

paginated!(
    ListUsers,
    UserType,
    pagination_token,
    pagination_token,
    users,
    Option::unwrap_or_default
);
paginated!(
    ListGroups,
    GroupType,
    next_token,
    next_token,
    groups,
    Option::unwrap_or_default
);
paginated!(
    AdminListGroupsForUser,
    GroupType,
    next_token,
    next_token,
    groups,
    Option::unwrap_or_default
);
paginated!(
    ListUsersInGroup,
    UserType,
    next_token,
    next_token,
    users,
    Option::unwrap_or_default
);
paginated!(
    ListUserPoolClients,
    UserPoolClientDescription,
    next_token,
    next_token,
    user_pool_clients,
    Option::unwrap_or_default
);
paginated!(
    ListIdentityProviders,
    ProviderDescription,
    next_token,
    next_token,
    providers,
    |v| v
);
paginated!(
    AdminListDevices,
    DeviceType,
    pagination_token,
    pagination_token,
    devices,
    Option::unwrap_or_default
);

enum Cursor<I> {
    Next { input: I, seen: HashSet<String> },
    Done,
}

/// Every page of operation `O`, starting from `input` (whose token, if any, is where it starts).
/// The stream ends after the page without a token, or at the first error. It is not `Unpin`:
/// pin it (`std::pin::pin!`, or `StreamExt::boxed`) before calling `next`/`try_next`.
pub fn pages<O: Paginated>(
    wire: cognito_wire::Client,
    input: O::Input,
) -> impl Stream<Item = Result<O::Output, AdminError>> + Send + 'static {
    let start = Cursor::Next {
        input,
        seen: HashSet::new(),
    };
    stream::try_unfold(start, move |cursor| {
        let wire = wire.clone();
        async move {
            let (mut input, mut seen) = match cursor {
                Cursor::Next { input, seen } => (input, seen),
                Cursor::Done => return Ok(None),
            };
            let output = wire.call::<O>(&input).await?;
            let next = match O::next_token(&output) {
                None => Cursor::Done,
                Some(token) => {
                    if !seen.insert(token.clone()) {
                        return Err(AdminError::PaginationLoop { operation: O::NAME });
                    }
                    O::set_token(&mut input, Some(token));
                    Cursor::Next { input, seen }
                }
            };
            Ok(Some((output, next)))
        }
    })
}

/// Every item of every page of operation `O`, in order.
pub fn items<O: Paginated>(
    wire: cognito_wire::Client,
    input: O::Input,
) -> impl Stream<Item = Result<O::Item, AdminError>> + Send + 'static {
    pages::<O>(wire, input)
        .map_ok(|page| stream::iter(O::items(page).into_iter().map(Ok)))
        .try_flatten()
}

/// Collects [`items`] into a `Vec`.
pub async fn all<O: Paginated>(
    wire: cognito_wire::Client,
    input: O::Input,
) -> Result<Vec<O::Item>, AdminError> {
    items::<O>(wire, input).try_collect().await
}

/// Boxed, pinned item stream (what the `*_stream` methods of
/// [`AdminClient`](crate::AdminClient) return).
pub type ItemStream<T> = std::pin::Pin<Box<dyn Stream<Item = Result<T, AdminError>> + Send>>;

/// [`items`], boxed; a request that could not be built is the stream's one error.
pub(crate) fn boxed_items<O: Paginated>(
    wire: cognito_wire::Client,
    input: Result<O::Input, MissingField>,
) -> ItemStream<O::Item> {
    match input {
        Ok(input) => items::<O>(wire, input).boxed(),
        Err(e) => stream::once(std::future::ready(Err(AdminError::from(e)))).boxed(),
    }
}

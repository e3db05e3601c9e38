using System.Globalization;
using System.Text.RegularExpressions;

namespace FinGuard.GitHub.Deployments;

/// <summary>
/// Checks a <c>deployment_callback_url</c> before FinGuard answers it. The URL comes from a webhook body; answering an
/// arbitrary URL with an installation token would hand the token to whoever wrote it (server-side request forgery).
/// A callback is accepted only when it is exactly
/// <c>{GitHub API base}repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule</c>: same scheme, host and
/// port as the configured API base URL, the same path prefix (<c>/api/v3/</c> on GHES), the delivery's own repository,
/// a numeric run id, and no user info, query or fragment. FinGuard then sends the answer to the path it builds itself
/// from the repository and run id, through the client whose base address is the configured one, never to the URL as
/// given.
/// </summary>
public static partial class DeploymentCallback
{
    /// <summary>The run id of an acceptable callback, or null and why it was refused.</summary>
    public static long? Validate(Uri? callback, Uri apiBaseAddress, string repository, out string? refusal)
    {
        ArgumentNullException.ThrowIfNull(apiBaseAddress);
        ArgumentNullException.ThrowIfNull(repository);
        refusal = null;
        if (callback is null || !callback.IsAbsoluteUri)
        {
            refusal = "the payload has no absolute deployment_callback_url";
            return null;
        }

        if (!string.Equals(callback.Scheme, apiBaseAddress.Scheme, StringComparison.OrdinalIgnoreCase)
            || !string.Equals(callback.IdnHost, apiBaseAddress.IdnHost, StringComparison.OrdinalIgnoreCase)
            || callback.Port != apiBaseAddress.Port)
        {
            refusal = $"its host {callback.Scheme}://{callback.Authority} is not the configured GitHub API {apiBaseAddress.Scheme}://{apiBaseAddress.Authority}";
            return null;
        }

        if (callback.UserInfo.Length > 0 || callback.Query.Length > 0 || callback.Fragment.Length > 0)
        {
            refusal = "it carries user info, a query or a fragment";
            return null;
        }

        var basePath = apiBaseAddress.AbsolutePath.EndsWith('/') ? apiBaseAddress.AbsolutePath : apiBaseAddress.AbsolutePath + "/";
        var path = callback.AbsolutePath;
        if (!path.StartsWith(basePath, StringComparison.OrdinalIgnoreCase))
        {
            refusal = $"its path is not under the GitHub API path {basePath}";
            return null;
        }

        var match = CallbackPath().Match(path[basePath.Length..]);
        if (!match.Success)
        {
            refusal = "its path is not repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule";
            return null;
        }

        if (!string.Equals($"{match.Groups["owner"].Value}/{match.Groups["repo"].Value}", repository, StringComparison.OrdinalIgnoreCase))
        {
            refusal = $"it names repository {match.Groups["owner"].Value}/{match.Groups["repo"].Value}, not {repository}";
            return null;
        }

        if (!long.TryParse(match.Groups["run"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var runId) || runId <= 0)
        {
            refusal = "its run id is not a positive number";
            return null;
        }

        return runId;
    }

    /// <summary>
    /// What a log says about a refused callback: its scheme and authority, or <c>(a relative URL)</c> or <c>(none)</c>.
    /// Never its path or query, which whoever wrote the payload chose.
    /// </summary>
    public static string Origin(Uri? callback) => callback switch
    {
        null => "(none)",
        { IsAbsoluteUri: true } => callback.GetLeftPart(UriPartial.Authority),
        _ => "(a relative URL)",
    };

    /// <summary>The relative API path FinGuard posts the answer to.</summary>
    public static string PathFor(string repository, long runId) =>
        string.Create(CultureInfo.InvariantCulture, $"repos/{repository}/actions/runs/{runId}/deployment_protection_rule");

    [GeneratedRegex(@"^repos/(?<owner>[A-Za-z0-9-]{1,39})/(?<repo>[A-Za-z0-9_.-]{1,100})/actions/runs/(?<run>[0-9]{1,19})/deployment_protection_rule$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex CallbackPath();
}

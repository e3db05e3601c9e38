using System.Text.Json.Nodes;
using FinGuard.GitHub.Api;

namespace FinGuard.GitHub.Deployments;

/// <summary>
/// Answers a custom deployment protection rule: <c>POST /repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule</c>
/// with <c>environment_name</c>, and <c>state</c> (<c>approved</c>/<c>rejected</c>) and <c>comment</c> for the decision, or
/// <c>comment</c> alone for a progress note. The path is built from the repository and run id (see
/// <see cref="DeploymentCallback"/>); the host is always the configured GitHub API.
/// </summary>
public sealed class DeploymentProtectionRuleClient(GitHubApiClient api)
{
    /// <summary>Longest progress comment FinGuard sends.</summary>
    public const int MaxProgressCommentLength = 1024;

    /// <summary>Most progress comments FinGuard sends for one request.</summary>
    public const int MaxProgressComments = 10;

    public const string Approved = "approved";
    public const string Rejected = "rejected";

    /// <summary>Sends the decision.</summary>
    public Task ReviewAsync(long installationId, string repository, long runId, string environment, string state, string comment, CancellationToken cancellationToken)
    {
        if (state is not (Approved or Rejected))
        {
            throw new ArgumentOutOfRangeException(nameof(state), state, "A deployment protection rule is approved or rejected.");
        }

        return api.SendJsonAsync(
            HttpMethod.Post,
            installationId,
            DeploymentCallback.PathFor(repository, runId),
            new JsonObject { ["environment_name"] = environment, ["state"] = state, ["comment"] = comment },
            cancellationToken);
    }

    /// <summary>Sends a progress comment (no state: the deployment keeps waiting).</summary>
    public Task CommentAsync(long installationId, string repository, long runId, string environment, string comment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(comment);
        if (comment.Length > MaxProgressCommentLength)
        {
            throw new ArgumentException($"A progress comment is at most {MaxProgressCommentLength} characters.", nameof(comment));
        }

        return api.SendJsonAsync(
            HttpMethod.Post,
            installationId,
            DeploymentCallback.PathFor(repository, runId),
            new JsonObject { ["environment_name"] = environment, ["comment"] = comment },
            cancellationToken);
    }
}

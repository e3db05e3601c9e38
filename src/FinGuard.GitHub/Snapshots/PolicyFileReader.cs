using System.Text;
using System.Text.Json;
using FinGuard.GitHub.Api;
using FinGuard.GitHub.Evaluation;

namespace FinGuard.GitHub.Snapshots;

/// <summary>Reads one policy file through GitHub's contents API (base64 decoded, blob SHA kept); shared by the pull request and deployment loaders.</summary>
internal static class PolicyFileReader
{
    /// <summary>
    /// The organisation's policy file and the repository's at <paramref name="reference"/> (null: the repository's
    /// default branch), each null when absent.
    /// </summary>
    public static async Task<(PolicyFile? Organization, PolicyFile? Repository)> ReadBothAsync(
        GitHubApiClient api, long installationId, string repository, string? reference, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repository);
        var repositoryPolicy = await ReadRepositoryAsync(api, installationId, repository, reference, cancellationToken);
        var organizationPolicy = await ReadOrganizationAsync(api, installationId, Owner(repository), cancellationToken);
        return (organizationPolicy, repositoryPolicy);
    }

    /// <summary>The repository's <c>.github/finguard.yml</c> at <paramref name="reference"/> (null: the default branch), or null when absent.</summary>
    public static Task<PolicyFile?> ReadRepositoryAsync(GitHubApiClient api, long installationId, string repository, string? reference, CancellationToken cancellationToken) =>
        ReadAsync(api, installationId, repository, PullRequestFactsLoader.RepositoryPolicyPath, reference, cancellationToken);

    /// <summary>The organisation's <c>finguard.yml</c> in its <c>.github</c> repository's default branch, or null when absent.</summary>
    public static Task<PolicyFile?> ReadOrganizationAsync(GitHubApiClient api, long installationId, string owner, CancellationToken cancellationToken) =>
        ReadAsync(api, installationId, $"{owner}/{PullRequestFactsLoader.OrganizationPolicyRepository}", PullRequestFactsLoader.OrganizationPolicyPath, null, cancellationToken);

    /// <summary>The owner (organisation or user) of an <c>owner/name</c> repository.</summary>
    public static string Owner(string repository) => repository.Split('/')[0];

    /// <summary>Records the policy files a decision used as its <c>policy.repository</c> and <c>policy.organization</c> facts.</summary>
    public static void Record(List<GitHubFact> facts, string repository, PolicyFile? organization, PolicyFile? repositoryFile)
    {
        if (repositoryFile is not null)
        {
            facts.Add(new GitHubFact(PullRequestFactSet.RepositoryPolicyFact, $"GET /repos/{repository}/contents/{PullRequestFactsLoader.RepositoryPolicyPath}", repositoryFile.ToJson()));
        }

        if (organization is not null)
        {
            var owner = Owner(repository);
            facts.Add(new GitHubFact(PullRequestFactSet.OrganizationPolicyFact, $"GET /repos/{owner}/{PullRequestFactsLoader.OrganizationPolicyRepository}/contents/{PullRequestFactsLoader.OrganizationPolicyPath}", organization.ToJson()));
        }
    }

    /// <summary>A policy file's content at <paramref name="reference"/> (null: the default branch), or null when absent.</summary>
    public static async Task<PolicyFile?> ReadAsync(GitHubApiClient api, long installationId, string repository, string path, string? reference, CancellationToken cancellationToken)
    {
        var query = reference is null ? "" : $"?ref={Uri.EscapeDataString(reference)}";
        if (await api.GetIfExistsAsync(installationId, $"repos/{repository}/contents/{path}{query}", cancellationToken) is not { } response)
        {
            return null;
        }

        var json = GitHubFacts.Parse(response);
        if (json.ValueKind != JsonValueKind.Object || !json.TryGetProperty("type", out var type) || type.GetString() != "file")
        {
            throw new GitHubFactsException($"{repository}:{path} is not a file.");
        }

        var encoding = json.TryGetProperty("encoding", out var e) ? e.GetString() : null;
        if (encoding == "none")
        {
            // GitHub leaves out the content of files over 1 MB; an empty text would read as an empty file.
            throw new GitHubFactsException($"GitHub did not return the content of {repository}:{path} (over 1 MB).");
        }

        var content = json.TryGetProperty("content", out var body) ? body.GetString() ?? "" : "";
        string text;
        try
        {
            text = encoding == "base64"
                ? Encoding.UTF8.GetString(Convert.FromBase64String(content.Replace("\n", "", StringComparison.Ordinal)))
                : content;
        }
        catch (FormatException ex)
        {
            throw new GitHubFactsException($"GitHub returned {repository}:{path} with invalid base64 content.", ex);
        }

        return new PolicyFile(repository, path, reference, json.TryGetProperty("sha", out var sha) ? sha.GetString() : null, text);
    }
}

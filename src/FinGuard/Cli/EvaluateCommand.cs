using System.Text.Json;
using System.Text.Json.Nodes;
using FinGuard.Core.Results;
using FinGuard.GitHub.Checks;
using FinGuard.GitHub.Evaluation;
using FinGuard.GitHub.Snapshots;

namespace FinGuard.Cli;

/// <summary>
/// <c>finguard evaluate --offline DIR [--at TIME] [--json]</c>: evaluates a pull request from GitHub REST responses
/// saved in a folder, through exactly the evaluator the server uses. Exit 0 when the conclusion is success, 1 when
/// not, 2 for bad input (with a specific message).
/// </summary>
/// <remarks>
/// DIR holds <c>pull.json</c> (GET /repos/{o}/{r}/pulls/{n}), <c>commits.json</c> (GET …/pulls/{n}/commits),
/// <c>reviews.json</c> (GET …/pulls/{n}/reviews; absent = no reviews), optional <c>team-members.json</c>
/// (<c>{"org/team": ["login", …]}</c>), optional <c>finguard.yml</c> (the repository policy; absent = the documented
/// defaults) and optional <c>org-finguard.yml</c> (the organisation policy). For the scan-status control: optional
/// <c>check-runs.json</c> (GET /repos/{o}/{r}/commits/{sha}/check-runs) and <c>scans/ARTIFACT/FILE</c>, the scanner
/// output files as they are inside each artifact (taken to belong to the pull request's head commit). For who may
/// approve: optional <c>permissions/LOGIN.json</c> (GET /repos/{o}/{r}/collaborators/{LOGIN}/permission; a reviewer
/// without a file has an unknown permission, which never counts while <c>require-write-access</c> is on) and optional
/// <c>issue-events.json</c> (GET /repos/{o}/{r}/issues/{n}/events, all pages as one array: who added the break-glass
/// label, and when; absent = unknown, so break-glass cannot be verified). Optional
/// <c>head-push.json</c>: the body of the <c>pull_request</c> webhook delivery (opened, synchronize, reopened) that set
/// the current head — its <c>sender</c> pushed it; absent, or about another head, means the pusher is unknown.
/// <c>commits.json</c> lists every commit, more than 250 when <c>pull.json</c> reports more. For code owners and
/// approval rules: optional <c>files.json</c> (GET /repos/{o}/{r}/pulls/{n}/files, all pages as one array) and optional
/// <c>CODEOWNERS</c> (the base branch's file, raw text); a policy that needs one that is absent fails closed, naming it. For
/// <c>ignore-update-merges</c>: optional <c>compare/BASE...HEAD.json</c> (GET /repos/{o}/{r}/compare/BASE...HEAD, the
/// file named by the basehead FinGuard asks for, a branch name URL-encoded); a comparison without a file is unknown, and
/// the update merge it was for does not carry approvals over.
/// </remarks>
public static class EvaluateCommand
{
    public const string Usage = "usage: finguard evaluate --offline DIR [--at 2026-12-31T15:00:00Z] [--json]";

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        ArgumentNullException.ThrowIfNull(time);

        if (args is ["deployment", ..])
        {
            return await EvaluateDeploymentCommand.RunAsync(args[1..], stdout, stderr, time);
        }

        if (await OfflineArguments.ParseAsync(args, "finguard evaluate", Usage, "online evaluation runs in 'finguard serve'", stderr) is not { } parsed)
        {
            return 2;
        }

        var (directory, at, json) = parsed;

        PullRequestDecision decision;
        try
        {
            var facts = await ReadAsync(directory);
            decision = PullRequestEvaluator.Evaluate(facts, at ?? time.GetUtcNow());
        }
        catch (OfflineInputException ex)
        {
            await stderr.WriteLineAsync($"finguard evaluate: {ex.Message}");
            return 2;
        }
        catch (GitHubFactsException ex)
        {
            await stderr.WriteLineAsync($"finguard evaluate: {ex.Message}");
            return 2;
        }

        if (json)
        {
            await stdout.WriteLineAsync(ToJson(decision.Result).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }
        else
        {
            var output = CheckRunRenderer.Render(decision.Result, null);
            await stdout.WriteLineAsync($"{CheckRunRenderer.ConclusionName(decision.Result.Conclusion)}: {output.Title}");
            await stdout.WriteLineAsync();
            await stdout.WriteLineAsync(output.Text.TrimEnd());
        }

        return decision.Result.Conclusion == Conclusion.Success ? 0 : 1;
    }

    /// <summary>
    /// <c>--offline DIR [--at TIME] [--json]</c>, shared by the offline commands; null after writing what is wrong
    /// (the caller exits 2).
    /// </summary>
    internal static class OfflineArguments
    {
        public static async Task<(string Directory, DateTimeOffset? At, bool Json)?> ParseAsync(string[] args, string command, string usage, string online, TextWriter stderr)
        {
            string? directory = null;
            DateTimeOffset? at = null;
            var json = false;
            for (var i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "--offline" when i + 1 < args.Length:
                        directory = args[++i];
                        break;
                    case "--at" when i + 1 < args.Length:
                        if (!IsoDates.TryParseInstant(args[++i], out var parsed))
                        {
                            await stderr.WriteLineAsync($"{command}: --at '{args[i]}' is not an ISO 8601 date-time with its offset (e.g. 2026-12-31T15:00:00Z or 2026-12-31T16:00:00+01:00).");
                            return null;
                        }

                        at = parsed.ToUniversalTime();
                        break;
                    case "--json":
                        json = true;
                        break;
                    default:
                        await stderr.WriteLineAsync($"{command}: unexpected argument '{args[i]}'. {usage}");
                        return null;
                }
            }

            if (directory is null)
            {
                await stderr.WriteLineAsync($"{command}: --offline DIR is required ({online}). {usage}");
                return null;
            }

            return (directory, at, json);
        }
    }

    /// <summary>The documented <c>--json</c> shape.</summary>
    public static JsonObject ToJson(EvaluationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new JsonObject
        {
            ["conclusion"] = CheckRunRenderer.ConclusionName(result.Conclusion),
            ["title"] = result.Title,
            ["controls"] = new JsonArray([.. result.Controls.Select(c => (JsonNode)new JsonObject
            {
                ["id"] = c.Id,
                ["status"] = c.Status.ToString().ToLowerInvariant(),
                ["summary"] = c.Summary,
                ["reasons"] = new JsonArray([.. c.Reasons.Select(r => (JsonNode)r)]),
            })]),
        };
    }

    internal static async Task<PullRequestFactSet> ReadAsync(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new OfflineInputException($"'{directory}' is not a directory.");
        }

        var pull = await ReadJsonAsync(directory, "pull.json", required: true);
        var commits = await ReadJsonAsync(directory, "commits.json", required: true);
        var reviews = await ReadJsonAsync(directory, "reviews.json", required: false);
        var teams = await ReadJsonAsync(directory, "team-members.json", required: false);
        var headPush = await ReadJsonAsync(directory, "head-push.json", required: false);
        var repository = pull!.Value.TryGetProperty("base", out var b) && b.TryGetProperty("repo", out var r) && r.TryGetProperty("full_name", out var f) && f.GetString() is { } name
            ? name
            : throw new OfflineInputException("pull.json has no base.repo.full_name; it must be GitHub's GET /repos/{owner}/{repo}/pulls/{number} response.");

        var files = await ReadJsonAsync(directory, "files.json", required: false);
        if (files is { ValueKind: not JsonValueKind.Array })
        {
            throw new OfflineInputException($"{Path.Combine(directory, "files.json")} must be an array: every page of GitHub's GET /repos/{{owner}}/{{repo}}/pulls/{{number}}/files as one array.");
        }

        var codeOwners = await ReadPolicyAsync(directory, "CODEOWNERS", repository, "CODEOWNERS");
        var checkRuns = await ReadJsonAsync(directory, "check-runs.json", required: false);
        var scanFiles = await ReadScanFilesAsync(directory, pull.Value.TryGetProperty("head", out var head) && head.TryGetProperty("sha", out var sha) ? sha.GetString() : null);
        return new PullRequestFactSet
        {
            ScanResponses = checkRuns is not null || scanFiles.Count > 0
                ? new GitHub.Scans.ScanFactsResponses(checkRuns is null ? [] : [checkRuns.Value], scanFiles)
                : null,
            Repository = repository,
            Pull = pull.Value,
            CommitPages = [commits!.Value],
            ReviewPages = reviews is null ? [] : [reviews.Value],
            TeamMembers = teams is null ? new Dictionary<string, IReadOnlyCollection<string>>() : PullRequestFactSet.ReadTeamMembers(teams.Value),
            Permissions = await ReadPermissionsAsync(directory),
            Comparisons = await ReadComparisonsAsync(directory),
            IssueEventPages = await ReadJsonAsync(directory, "issue-events.json", required: false) is { } events ? [events] : null,
            HeadPushes = headPush is null ? [] : [new HeadPushDelivery(headPush.Value, "head-push.json")],
            FilePages = files is null ? null : [files.Value],
            CodeOwners = codeOwners is null ? null : new CodeOwnersSource(codeOwners, null),
            RepositoryPolicy = await ReadPolicyAsync(directory, "finguard.yml", repository, ".github/finguard.yml"),
            OrganizationPolicy = await ReadPolicyAsync(directory, "org-finguard.yml", $"{repository.Split('/')[0]}/.github", "finguard.yml"),
        };
    }

    /// <summary>Every <c>permissions/LOGIN.json</c>, by login (the file's name).</summary>
    internal static async Task<Dictionary<string, JsonElement>> ReadPermissionsAsync(string directory)
    {
        var result = new Dictionary<string, JsonElement>(StringComparer.OrdinalIgnoreCase);
        var folder = Path.Combine(directory, "permissions");
        if (!Directory.Exists(folder))
        {
            return result;
        }

        foreach (var path in Directory.EnumerateFiles(folder, "*.json").Order(StringComparer.Ordinal))
        {
            var login = Path.GetFileNameWithoutExtension(path);
            result[login] = (await ReadJsonAsync(folder, Path.GetFileName(path), required: true))!.Value;
        }

        return result;
    }

    /// <summary>Every <c>compare/BASE...HEAD.json</c>, by the basehead in its name.</summary>
    private static async Task<Dictionary<string, JsonElement>> ReadComparisonsAsync(string directory)
    {
        var result = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var folder = Path.Combine(directory, "compare");
        if (!Directory.Exists(folder))
        {
            return result;
        }

        foreach (var path in Directory.EnumerateFiles(folder, "*.json").Order(StringComparer.Ordinal))
        {
            result[Path.GetFileNameWithoutExtension(path)] = (await ReadJsonAsync(folder, Path.GetFileName(path), required: true))!.Value;
        }

        return result;
    }

    /// <summary>Every file under <c>scans/ARTIFACT/</c>, recorded as found in that artifact for <paramref name="headSha"/>.</summary>
    internal static async Task<List<JsonElement>> ReadScanFilesAsync(string directory, string? headSha)
    {
        var root = Path.Combine(directory, "scans");
        var files = new List<JsonElement>();
        if (!Directory.Exists(root))
        {
            return files;
        }

        foreach (var path in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(root, path).Replace('\\', '/');
            var parts = relative.Split('/', 2);
            if (parts.Length < 2)
            {
                throw new OfflineInputException($"{path}: scanner output goes in scans/ARTIFACT/FILE (the artifact's name, then the file's path inside it).");
            }

            files.Add(GitHub.Scans.ScanFactsParser.WriteFile(parts[0], parts[1], Core.Scans.ScanFileState.Found, null, null, headSha, null, await File.ReadAllBytesAsync(path)));
        }

        return files;
    }

    internal static async Task<JsonElement?> ReadJsonAsync(string directory, string file, bool required)
    {
        var path = Path.Combine(directory, file);
        if (!File.Exists(path))
        {
            return required ? throw new OfflineInputException($"{path} is missing.") : null;
        }

        try
        {
            await using var stream = File.OpenRead(path);
            using var document = await JsonDocument.ParseAsync(stream);
            return document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new OfflineInputException($"{path} is not valid JSON: {ex.Message}");
        }
    }

    internal static async Task<PolicyFile?> ReadPolicyAsync(string directory, string file, string repository, string repositoryPath)
    {
        var path = Path.Combine(directory, file);
        return File.Exists(path) ? new PolicyFile(repository, repositoryPath, null, null, await File.ReadAllTextAsync(path)) : null;
    }

    internal sealed class OfflineInputException(string message) : Exception(message);
}

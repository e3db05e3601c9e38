using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FinGuard.Core.Policy;
using FinGuard.GitHub.Evaluation;

namespace FinGuard.Benchmarks.Evaluation;

/// <summary>
/// A pull request at GitHub's file-list limit: 3,000 changed files over 50 services, migrations (a few of them
/// dropping tables), Bicep templates and docs, each with a small patch shaped like GitHub's; a 500-line CODEOWNERS
/// (a default owner, per-service owners, un-owned generated code, extension and anywhere patterns, comments); 20
/// approval rules (a content rule on migrations, an infrastructure rule, 18 per-service rules); and the membership of
/// every team for the reviewers of <see cref="EvaluationFacts"/>.
/// </summary>
public static class PathApprovalsFacts
{
    public const int Files = 3_000;
    public const int CodeOwnersLines = 500;
    public const int Rules = 20;
    private const int Services = 50;

    public static IReadOnlyList<JsonNode> ChangedFiles()
    {
        var files = new List<JsonNode>(Files);
        for (var i = 0; files.Count < Files; i++)
        {
            var (path, patch) = (i % 60) switch
            {
                0 => ($"db/migrations/{i:D5}_change.sql", i % 240 == 0
                    ? "@@ -0,0 +1,3 @@\n+-- retire the old table\n+DROP TABLE legacy_" + i.ToString(CultureInfo.InvariantCulture) + ";\n+SELECT 1;"
                    : "@@ -0,0 +1,3 @@\n+CREATE INDEX ix_" + i.ToString(CultureInfo.InvariantCulture) + " ON accounts (owner);\n+ALTER TABLE accounts ADD COLUMN c int;\n+SELECT 1;"),
                1 => ($"infra/env-{i % 7}/main-{i}.bicep", Patch(i)),
                2 => ($"docs/guide-{i}.md", Patch(i)),
                3 => ($"services/svc-{i % Services}/src/generated/Client{i}.cs", Patch(i)),
                _ => ($"services/svc-{i % Services}/src/{(i % 3 == 0 ? "api" : "domain")}/File{i}.cs", Patch(i)),
            };
            files.Add(new JsonObject
            {
                ["sha"] = Sha(i),
                ["filename"] = path,
                ["status"] = "modified",
                ["additions"] = 6,
                ["deletions"] = 2,
                ["changes"] = 8,
                ["blob_url"] = $"https://github.com/octo-org/payments/blob/{Sha(0)}/{path}",
                ["raw_url"] = $"https://github.com/octo-org/payments/raw/{Sha(0)}/{path}",
                ["contents_url"] = $"https://api.github.com/repos/octo-org/payments/contents/{path}?ref={Sha(0)}",
                ["patch"] = patch,
            });
        }

        return files;
    }

    public static string CodeOwners()
    {
        var lines = new List<string> { "# Default owners", "*  @octo-org/engineering", "", "*.md  @octo-org/docs", "**/Dockerfile  @octo-org/platform", "/infra/  @octo-org/platform", "*.bicep  @octo-org/platform", "" };
        for (var s = 0; lines.Count < CodeOwnersLines - 1; s++)
        {
            var service = s % Services;
            switch (s / Services)
            {
                case 0:
                    lines.Add($"# svc-{service}");
                    lines.Add($"/services/svc-{service}/  @octo-org/team-{service} @lead-{service}");
                    break;
                case 1:
                    lines.Add($"/services/svc-{service}/src/generated/");
                    lines.Add($"/services/svc-{service}/src/api/  @octo-org/api-{service}");
                    break;
                case 2:
                    lines.Add($"/services/svc-{service}/**/*.sql  @octo-org/dba");
                    lines.Add($"/services/svc-{service}/docs/*  svc-{service}-docs@example.com");
                    break;
                default:
                    lines.Add($"/services/svc-{service}/src/domain/Rule{s}.cs  @octo-org/team-{service} @octo-org/risk");
                    break;
            }
        }

        lines.Add("/db/  @octo-org/dba");
        return string.Join('\n', lines.Take(CodeOwnersLines)) + "\n";
    }

    public static ImmutableArray<ApprovalRule> ApprovalRules() =>
    [
        new ApprovalRule
        {
            Name = "Database migrations",
            Paths = ["db/migrations/**"],
            AddedLinesMatch = [@"(?i)\b(drop|truncate)\s+table\b", @"(?i)\balter\s+table\b.*\bdrop\b"],
            ApproverTeams = ["octo-org/dba"],
        },
        new ApprovalRule { Name = "Infrastructure", Paths = ["infra/**", "**/*.bicep"], RequiredApprovals = 2, ApproverTeams = ["octo-org/platform"] },
        .. Enumerable.Range(0, Rules - 2).Select(k => new ApprovalRule
        {
            Name = $"Service {k}",
            Paths = [$"services/svc-{k}/src/api/**", $"services/svc-{k}/**/*.sql"],
            ApproverTeams = [$"octo-org/api-{k}"],
        }),
    ];

    /// <summary>The lines of <see cref="ApprovalRules"/> and <c>code-owners: true</c>, to append to the <c>separation-of-duties</c> section.</summary>
    public static string PolicyYaml()
    {
        var yaml = new StringBuilder("  code-owners: true\n  approval-rules:\n");
        foreach (var rule in ApprovalRules())
        {
            yaml.Append(CultureInfo.InvariantCulture, $"    - name: {rule.Name}\n      paths: [{string.Join(", ", rule.Paths.Select(p => $"\"{p}\""))}]\n");
            if (!rule.AddedLinesMatch.IsDefaultOrEmpty)
            {
                yaml.Append(CultureInfo.InvariantCulture, $"      added-lines-match: [{string.Join(", ", rule.AddedLinesMatch.Select(p => $"'{p}'"))}]\n");
            }

            yaml.Append(CultureInfo.InvariantCulture, $"      required-approvals: {rule.RequiredApprovals}\n      approver-teams: [{string.Join(", ", rule.ApproverTeams)}]\n");
        }

        return yaml.ToString();
    }

    /// <summary>Every team the CODEOWNERS and the rules name, with every second reviewer of <paramref name="reviewers"/> as a member.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyCollection<string>> TeamMembers(int reviewers)
    {
        var teams = new List<string> { "octo-org/engineering", "octo-org/docs", "octo-org/platform", "octo-org/dba", "octo-org/risk" };
        for (var s = 0; s < Services; s++)
        {
            teams.Add($"octo-org/team-{s}");
            teams.Add($"octo-org/api-{s}");
        }

        return teams.ToDictionary(t => t, t => (IReadOnlyCollection<string>)[.. Enumerable.Range(0, reviewers).Where(r => (r + t.Length) % 2 == 0).Select(r => $"reviewer-{r}")], StringComparer.OrdinalIgnoreCase);
    }

    /// <summary><see cref="EvaluationFacts"/> with these files (pages of 100, as GitHub returns them), CODEOWNERS and memberships.</summary>
    public static PullRequestFactSet With(PullRequestFactSet facts, int reviewers)
    {
        var files = ChangedFiles();
        var pull = JsonNode.Parse(facts.Pull.GetRawText())!.AsObject();
        pull["changed_files"] = files.Count;
        return facts with
        {
            Pull = Element(pull.ToJsonString()),
            FilePages = [.. files.Chunk(100).Select(c => Element(new JsonArray([.. c.Select(f => f.DeepClone())]).ToJsonString()))],
            CodeOwners = new CodeOwnersSource(new PolicyFile(facts.Repository, ".github/CODEOWNERS", "main", Sha(1), CodeOwners()), "main"),
            TeamMembers = TeamMembers(reviewers),
        };
    }

    private static string Patch(int i) =>
        "@@ -10,6 +10,10 @@ namespace Payments\n     {\n-        var x = 1;\n-        var y = 2;\n+        var x = " + i.ToString(CultureInfo.InvariantCulture)
        + ";\n+        var y = x * 2;\n+        // keep rounding stable\n+        Log(x, y);\n+        Audit(x);\n+        return y;\n     }\n }";

    private static JsonElement Element(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    private static string Sha(int index) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes($"file-{index}")), 0, 20);
}

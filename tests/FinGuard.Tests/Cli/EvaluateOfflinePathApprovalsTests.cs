using System.Text.Json;
using System.Text.Json.Nodes;
using FinGuard.Cli;
using FinGuard.Testing.FakeGitHub;

namespace FinGuard.Tests.Cli;

/// <summary>The <c>code-owners-and-migration-rule</c> example and its optional <c>files.json</c> and <c>CODEOWNERS</c>.</summary>
public sealed class EvaluateOfflinePathApprovalsTests
{
    private const string ExampleName = "code-owners-and-migration-rule";
    private const string At = "2026-11-23T12:00:00Z";

    private static string Example => Path.Combine(RepositoryRoot.Path, "docs", "examples", ExampleName);

    private static async Task<(int Exit, JsonElement Control, string Error)> EvaluateAsync(string folder)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await FinGuardCommandLine.RunAsync(["evaluate", "--offline", folder, "--at", At, "--json"], stdout, stderr);
        if (exit == 2)
        {
            return (exit, default, stderr.ToString());
        }

        using var json = JsonDocument.Parse(stdout.ToString());
        return (exit, json.RootElement.GetProperty("controls").EnumerateArray().Single(c => c.GetProperty("id").GetString() == "path-approvals").Clone(), "");
    }

    private static List<string> Reasons(JsonElement control) => [.. control.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()!)];

    private static async Task WithCopyAsync(Action<string> change, Func<string, Task> test)
    {
        var folder = Directory.CreateTempSubdirectory("finguard-offline-").FullName;
        try
        {
            foreach (var file in Directory.GetFiles(Example, "*", SearchOption.AllDirectories))
            {
                var target = Path.Combine(folder, Path.GetRelativePath(Example, file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }

            change(folder);
            await test(folder);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task The_example_waits_for_the_dba_on_the_dropped_table_and_the_db_owner_line()
    {
        var (exit, control, _) = await EvaluateAsync(Example);

        Assert.Equal(1, exit);
        Assert.Equal("pending", control.GetProperty("status").GetString());
        Assert.Equal(
            [
                "CODEOWNERS CODEOWNERS:4 /db/: 2 files (db/migrations/0042_add_fee_index.sql, db/migrations/0043_drop_legacy_fees.sql) owned by @octo-bank/dba: needs an approval of the current head from @octo-bank/dba",
                "Database migrations: applies to 1 file: db/migrations/0043_drop_legacy_fees.sql (line 2 matches `(?i)\\b(drop|truncate)\\s+table\\b`: `DROP TABLE legacy_fees;`) — 0 of 1 required approval from a member of octo-bank/dba; needs 1 more",
            ],
            Reasons(control));
    }

    [Fact]
    public async Task A_dba_approval_meets_both_the_owner_line_and_the_rule()
    {
        await WithCopyAsync(
            f => File.WriteAllText(Path.Combine(f, "team-members.json"), """{"octo-bank/dba": ["reviewer-carol"], "octo-bank/engineering": ["reviewer-carol"], "octo-bank/ledger": [], "octo-bank/platform": []}"""),
            async folder =>
            {
                var (exit, control, _) = await EvaluateAsync(folder);

                Assert.Equal(0, exit);
                Assert.Equal("pass", control.GetProperty("status").GetString());
            });
    }

    [Fact]
    public async Task Without_the_dangerous_statement_the_rule_does_not_apply_but_the_owners_still_do()
    {
        await WithCopyAsync(
            f =>
            {
                var path = Path.Combine(f, "files.json");
                var files = JsonNode.Parse(File.ReadAllText(path))!.AsArray();
                files[4]!["patch"] = "@@ -0,0 +1,2 @@\n+-- Rename only; the data stays.\n+ALTER TABLE legacy_fees RENAME TO fees_2019;";
                File.WriteAllText(path, files.ToJsonString());
            },
            async folder =>
            {
                var (exit, control, _) = await EvaluateAsync(folder);

                Assert.Equal(1, exit);
                var reason = Assert.Single(Reasons(control));
                Assert.StartsWith("CODEOWNERS CODEOWNERS:4 /db/", reason, StringComparison.Ordinal);
            });
    }

    [Theory]
    [InlineData("files.json", "error", "files.json")]
    [InlineData("CODEOWNERS", "error", "CODEOWNERS")]
    public async Task A_missing_optional_file_fails_closed_naming_it(string file, string status, string named)
    {
        await WithCopyAsync(
            f => File.Delete(Path.Combine(f, file)),
            async folder =>
            {
                var (exit, control, _) = await EvaluateAsync(folder);

                Assert.Equal(1, exit);
                Assert.Equal(status, control.GetProperty("status").GetString());
                Assert.Contains(named, control.GetProperty("summary").GetString() + string.Join('\n', Reasons(control)), StringComparison.Ordinal);
            });
    }

    [Fact]
    public async Task Files_json_that_is_not_an_array_is_bad_input()
    {
        await WithCopyAsync(
            f => File.WriteAllText(Path.Combine(f, "files.json"), """{"filename": "a"}"""),
            async folder =>
            {
                var (exit, _, error) = await EvaluateAsync(folder);

                Assert.Equal(2, exit);
                Assert.Contains("files.json must be an array", error, StringComparison.Ordinal);
            });
    }
}

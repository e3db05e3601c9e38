using FinGuard.Cli;
using FinGuard.Testing.FakeGitHub;
using FinGuard.Tests.Infrastructure;

namespace FinGuard.Tests.Cli;

/// <summary><c>finguard config validate</c> on <c>code-owners</c> and <c>approval-rules</c>.</summary>
public sealed class ConfigValidateApprovalRulesTests : IDisposable
{
    private readonly string directory = TempDirectory.Create();

    public void Dispose() => TempDirectory.Delete(directory);

    private static async Task<(int Exit, string[] Lines)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter { NewLine = "\n" };
        using var stderr = new StringWriter { NewLine = "\n" };
        var exit = await FinGuardCommandLine.RunAsync(args, stdout, stderr);
        return (exit, stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    [Fact]
    public async Task The_examples_policy_is_valid_and_summarised_with_its_rules()
    {
        var file = Path.Combine(RepositoryRoot.Path, "docs", "examples", "code-owners-and-migration-rule", "finguard.yml");

        var (exit, lines) = await RunAsync("config", "validate", file);

        Assert.Equal(0, exit);
        Assert.EndsWith(
            "separation-of-duties (2 approvals, changes-requested blocks; code owners must approve; approval rules: Database migrations (1 from octo-bank/dba, on matching added lines), Infrastructure (2 from octo-bank/platform)), branches: $default",
            Assert.Single(lines),
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invalid_regular_expression_is_reported_at_its_line_and_column()
    {
        var file = Path.Combine(directory, "finguard.yml");
        await File.WriteAllTextAsync(file, "version: 1\nseparation-of-duties:\n  approval-rules:\n    - name: Migrations\n      paths: [db/**]\n      added-lines-match: ['(?i)drop (table']\n");

        var (exit, lines) = await RunAsync("config", "validate", file);

        Assert.Equal(1, exit);
        Assert.StartsWith($"{file}:6:27: separation-of-duties.approval-rules[0].added-lines-match: '(?i)drop (table' is not a .NET regular expression", Assert.Single(lines), StringComparison.Ordinal);
    }
}

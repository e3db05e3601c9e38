using FinGuard.Cli;
using FinGuard.Core.Policy.Yaml;
using FinGuard.Testing.FakeGitHub;
using FinGuard.Tests.Infrastructure;

namespace FinGuard.Tests.Cli;

public sealed class ConfigValidateTests : IDisposable
{
    private readonly string directory = TempDirectory.Create();

    public void Dispose() => TempDirectory.Delete(directory);

    private static string ExamplesDirectory => Path.Combine(RepositoryRoot.Path, "docs", "examples", "policies");

    private sealed record Run(int ExitCode, string Stdout, string Stderr)
    {
        public string[] Lines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    private static async Task<Run> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter { NewLine = "\n" };
        using var stderr = new StringWriter { NewLine = "\n" };
        var exitCode = await FinGuardCommandLine.RunAsync(args, stdout, stderr);
        return new Run(exitCode, stdout.ToString(), stderr.ToString());
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(directory, name);
        File.WriteAllText(path, content.ReplaceLineEndings("\n"));
        return path;
    }

    [Fact]
    public async Task A_valid_file_exits_0_with_a_one_line_summary()
    {
        var file = Write("finguard.yml", "version: 1\n");

        var run = await RunAsync("config", "validate", file);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(
            $"{file}: valid — signed-commits (gpg, ssh, smime; web-flow allowed), separation-of-duties (2 approvals, changes-requested blocks), branches: $default",
            Assert.Single(run.Lines));
        Assert.Empty(run.Stderr);
    }

    [Fact]
    public async Task The_summary_names_every_setting_that_differs_from_the_defaults()
    {
        var file = Write("finguard.yml", """
            version: 1
            branches: [main, release/*]
            signed-commits:
              enabled: true
              enforced: true
              allowed-kinds: [ssh]
              allow-web-flow: false
              allowed-signers: [alice, bob]
            separation-of-duties:
              required-approvals: 1
              block-on-changes-requested: false
              exclude-approvers: [ci-admin]
              approver-teams: [octo-org/payments-reviewers]
            """);

        var run = await RunAsync("config", "validate", "--org", file);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(
            $"{file}: valid — signed-commits (enforced; ssh; web-flow not allowed; signers: alice, bob), "
            + "separation-of-duties (1 approval, changes-requested does not block; excluded: ci-admin; approvers from: octo-org/payments-reviewers), "
            + "branches: main, release/*",
            Assert.Single(run.Lines));
    }

    [Fact]
    public async Task Require_write_access_is_a_known_key_and_turning_it_off_is_named()
    {
        var off = Write("finguard.yml", "version: 1\nseparation-of-duties:\n  require-write-access: false\n");
        var run = await RunAsync("config", "validate", off);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("separation-of-duties (2 approvals, changes-requested blocks; approvals without write access count)", run.Stdout, StringComparison.Ordinal);

        var wrong = Write("finguard.yml", "version: 1\nseparation-of-duties:\n  require-write-access: sometimes\n");
        Assert.NotEqual(0, (await RunAsync("config", "validate", wrong)).ExitCode);
    }

    [Fact]
    public async Task A_switched_off_control_reads_off()
    {
        var file = Write("finguard.yml", "version: 1\nsigned-commits:\n  enabled: false\nseparation-of-duties: {enabled: false}\n");

        var run = await RunAsync("config", "validate", file);

        Assert.Equal(0, run.ExitCode);
        Assert.EndsWith("valid — signed-commits (off), separation-of-duties (off), branches: $default", run.Stdout.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Problems_print_as_file_line_column_message_and_exit_1()
    {
        var file = Write("finguard.yml", """
            version: 1
            signed-commit:
              enabled: true
            separation-of-duties:
              required-approvals: two
              approver-teams: [payments]
            """);

        var run = await RunAsync("config", "validate", file);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal(
            [
                $"{file}:2:1: unknown key 'signed-commit' at the top level (did you mean 'signed-commits'?)",
                $"{file}:5:23: separation-of-duties.required-approvals: expected a whole number from 1 to 10, got 'two'",
                $"{file}:6:20: separation-of-duties.approver-teams: 'payments' must name its organisation too: write org/team-slug, e.g. octo-org/payments",
            ],
            run.Lines);
        Assert.Empty(run.Stderr);
    }

    [Fact]
    public async Task Enforced_is_an_error_in_a_repository_file_and_allowed_with_org()
    {
        var file = Write("finguard.yml", "version: 1\nseparation-of-duties:\n  enforced: true\n");

        var asRepository = await RunAsync("config", "validate", file);
        var asOrganisation = await RunAsync("config", "validate", file, "--org");

        Assert.Equal(1, asRepository.ExitCode);
        Assert.StartsWith($"{file}:3:3: separation-of-duties.enforced: only the organisation's policy file", asRepository.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, asOrganisation.ExitCode);
        Assert.Contains("separation-of-duties (enforced; 2 approvals", asOrganisation.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_file_is_one_problem()
    {
        var file = Write("finguard.yml", string.Empty);

        var run = await RunAsync("config", "validate", file);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal([$"{file}:1:1: the file is empty; a policy file starts with 'version: 1'"], run.Lines);
    }

    [Fact]
    public async Task A_file_over_the_limit_is_reported_without_reading_it_all()
    {
        var file = Path.Combine(directory, "huge.yml");
        await using (var stream = File.Create(file))
        {
            stream.SetLength(64L * 1024 * 1024);
        }

        var run = await RunAsync("config", "validate", file);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal([$"{file}:1:1: the file is larger than 256 KiB (262144 bytes), the limit for policy files"], run.Lines);
    }

    [Fact]
    public async Task A_missing_file_exits_2_with_a_specific_message()
    {
        var file = Path.Combine(directory, "nope.yml");

        var run = await RunAsync("config", "validate", file);

        Assert.Equal(2, run.ExitCode);
        Assert.Empty(run.Stdout);
        Assert.Equal($"finguard config validate: {file}: no such file\n", run.Stderr);
    }

    [Fact]
    public async Task A_missing_folder_exits_2_with_a_specific_message()
    {
        var file = Path.Combine(directory, "no-such-folder", "finguard.yml");

        var run = await RunAsync("config", "validate", file);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"finguard config validate: {file}: no such file\n", run.Stderr);
    }

    [Fact]
    public async Task An_empty_path_exits_2_with_a_specific_message()
    {
        var run = await RunAsync("config", "validate", string.Empty);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal("finguard config validate: : not a valid file path\n", run.Stderr);
    }

    [Fact]
    public async Task A_directory_exits_2_with_a_specific_message()
    {
        var run = await RunAsync("config", "validate", directory);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"finguard config validate: {directory}: is a directory, not a policy file\n", run.Stderr);
    }

    [Fact]
    public async Task An_unreadable_file_exits_2_with_a_specific_message()
    {
        if (OperatingSystem.IsWindows() || Environment.UserName == "root")
        {
            return; // root reads any file; permissions work differently on Windows.
        }

        var file = Write("locked.yml", "version: 1\n");
        File.SetUnixFileMode(file, UnixFileMode.None);

        var run = await RunAsync("config", "validate", file);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"finguard config validate: {file}: cannot read the file: permission denied\n", run.Stderr);
    }

    [Theory]
    [InlineData(new[] { "config" }, "finguard config: missing subcommand.")]
    [InlineData(new[] { "config", "lint" }, "finguard config: unknown subcommand 'lint'.")]
    [InlineData(new[] { "config", "validate" }, "finguard config validate: missing FILE.")]
    [InlineData(new[] { "config", "validate", "a.yml", "b.yml" }, "finguard config validate: give exactly one FILE.")]
    [InlineData(new[] { "config", "validate", "--organisation", "a.yml" }, "finguard config validate: unknown option '--organisation'.")]
    public async Task Bad_usage_exits_2_with_the_usage(string[] args, string message)
    {
        var run = await RunAsync(args);

        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith(message, run.Stderr, StringComparison.Ordinal);
        Assert.Contains("finguard config validate FILE [--org]", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_double_dash_ends_the_options()
    {
        var file = Write("finguard.yml", "version: 1\n");

        var run = await RunAsync("config", "validate", "--", file);

        Assert.Equal(0, run.ExitCode);
    }

    [Fact]
    public async Task Help_lists_the_config_command()
    {
        var run = await RunAsync("help");

        Assert.Contains("finguard config validate FILE [--org]", run.Stdout, StringComparison.Ordinal);
    }

    public static TheoryData<string> ExampleFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(ExamplesDirectory, "*.yml").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    /// <summary>Example files named <c>org-*.yml</c> are organisation files; the others are repository files.</summary>
    [Theory]
    [MemberData(nameof(ExampleFiles))]
    public async Task Every_example_policy_file_is_valid(string name)
    {
        var file = Path.Combine(ExamplesDirectory, name);
        string[] args = name.StartsWith("org-", StringComparison.Ordinal) ? ["config", "validate", file, "--org"] : ["config", "validate", file];

        var run = await RunAsync(args);

        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        Assert.StartsWith($"{file}: valid — ", Assert.Single(run.Lines), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ExampleFiles))]
    public void Every_example_repository_file_merges_with_the_example_organisation_file_without_problems(string name)
    {
        if (name.StartsWith("org-", StringComparison.Ordinal))
        {
            return;
        }

        var organisation = PolicyFileParser.Parse(File.ReadAllBytes(Path.Combine(ExamplesDirectory, "org-defaults.yml")), PolicyFileKind.Organisation);
        var repository = PolicyFileParser.Parse(File.ReadAllBytes(Path.Combine(ExamplesDirectory, name)), PolicyFileKind.Repository);

        var resolution = PolicyResolver.Resolve(organisation.Document, repository.Document);

        Assert.Empty(resolution.Problems);
        Assert.True(resolution.Policy.SignedCommits.Enabled);
        Assert.True(resolution.Policy.SeparationOfDuties.RequiredApprovals >= 2);
        Assert.Contains("ci-admin", resolution.Policy.SeparationOfDuties.ExcludedApprovers);
    }

    [Fact]
    public async Task The_strict_payments_example_reads_as_documented()
    {
        var file = Path.Combine(ExamplesDirectory, "payments-strict.yml");

        var run = await RunAsync("config", "validate", file);

        Assert.Equal(
            $"{file}: valid — signed-commits (gpg, ssh; web-flow not allowed), separation-of-duties (3 approvals, changes-requested blocks; "
            + "excluded: payments-deployer; approvers from: octo-org/payments-reviewers, octo-org/security-champions), branches: $default, release/*, hotfix/*",
            Assert.Single(run.Lines));
    }
}

using FinGuard.Core.Controls;
using FinGuard.Core.Policy;
using FinGuard.Core.Results;
using FinGuard.Core.Snapshots;

namespace FinGuard.Core.Tests.Controls;

public sealed class PathApprovalsControlTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private const string Owners = """
        *                     @octo-org/everyone
        /payments/            @alice @octo-org/payments
        /payments/generated/
        /db/                  @octo-org/dba
        """;

    private static readonly ApprovalRule Migrations = new()
    {
        Name = "Database migrations",
        Paths = ["db/migrations/**"],
        AddedLinesMatch = [@"(?i)\b(drop|truncate)\s+table\b", @"(?i)\balter\s+table\b.*\bdrop\b"],
        RequiredApprovals = 1,
        ApproverTeams = ["octo-org/dba"],
    };

    private static FinGuardPolicy Policy(bool codeOwners = false, params ApprovalRule[] rules) =>
        FinGuardPolicy.Default with
        {
            SeparationOfDuties = FinGuardPolicy.Default.SeparationOfDuties with { CodeOwners = codeOwners, ApprovalRules = [.. rules] },
        };

    private static ChangedFileFact File(string path, string? patch = "@@ -0,0 +1,1 @@\n+change", string status = "modified", string? previous = null) =>
        new(path, status, previous, patch);

    private static PullRequestSnapshot Snapshot(SnapshotBuilder builder, IEnumerable<ChangedFileFact> files, string? owners = Owners) =>
        builder.Build() with
        {
            ChangedFiles = [.. files],
            ReportedChangedFileCount = files.Count(),
            CodeOwners = owners is null ? null : new CodeOwnersFact(".github/CODEOWNERS", owners),
        };

    private static ControlResult Evaluate(PullRequestSnapshot snapshot, FinGuardPolicy policy) =>
        new PathApprovalsControl().Evaluate(new EvaluationContext(snapshot, policy, Now));

    private static ResultDetail Row(ControlResult result, string subjectStart) =>
        Assert.Single(result.Details, d => d.Subject.StartsWith(subjectStart, StringComparison.Ordinal));

    [Fact]
    public void Skipped_when_the_policy_asks_for_neither()
    {
        var result = Evaluate(Snapshot(new SnapshotBuilder().Commit(true), [File("a.cs")]), FinGuardPolicy.Default);

        Assert.Equal(ControlStatus.Skipped, result.Status);
    }

    [Fact]
    public void A_file_owned_by_a_user_and_a_team_needs_one_of_them()
    {
        var builder = new SnapshotBuilder().Commit(true).Team("octo-org/payments", "carol").Team("octo-org/everyone", "bob").Approve(People.Bob);

        var pending = Evaluate(Snapshot(builder, [File("payments/ledger.cs")]), Policy(codeOwners: true));

        Assert.Equal(ControlStatus.Pending, pending.Status);
        var row = Row(pending, "CODEOWNERS .github/CODEOWNERS:2");
        Assert.False(row.Ok);
        Assert.Contains("1 file (payments/ledger.cs) owned by @alice @octo-org/payments", row.Message, StringComparison.Ordinal);
        Assert.Contains("needs an approval of the current head from @alice or @octo-org/payments", row.Message, StringComparison.Ordinal);

        var passed = Evaluate(Snapshot(builder.Approve(People.Carol), [File("payments/ledger.cs")]), Policy(codeOwners: true));

        Assert.Equal(ControlStatus.Pass, passed.Status);
        Assert.Contains("approved by carol", Row(passed, "CODEOWNERS .github/CODEOWNERS:2").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_last_matching_line_wins_and_an_unowning_line_needs_no_owner()
    {
        var builder = new SnapshotBuilder().Commit(true).Team("octo-org/everyone", "bob").Team("octo-org/payments").Approve(People.Bob);

        var result = Evaluate(Snapshot(builder, [File("payments/generated/client.cs"), File("README.md")]), Policy(codeOwners: true));

        // The generated file is un-owned by line 3 (not owned by line 2 or 1); README.md is owned by line 1, bob's team.
        Assert.Equal(ControlStatus.Pass, result.Status);
        var row = Assert.Single(result.Details);
        Assert.Equal("CODEOWNERS .github/CODEOWNERS:1 *", row.Subject);
        Assert.Contains("1 file (README.md)", row.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_code_owner_who_wrote_the_change_cannot_approve_it()
    {
        var builder = new SnapshotBuilder().CommitBy(People.Alice).PushedBy(People.Alice).Team("octo-org/payments").Approve(People.Alice);

        var result = Evaluate(Snapshot(builder, [File("payments/ledger.cs")]), Policy(codeOwners: true));

        Assert.Equal(ControlStatus.Pending, result.Status);
        Assert.Contains("does not count", Row(result, "alice").Message, StringComparison.Ordinal);
        Assert.Contains("authored", Row(result, "alice").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_stale_owner_approval_does_not_count()
    {
        var builder = new SnapshotBuilder().Commit(true).Commit(true).Team("octo-org/payments").Review(People.Alice, "APPROVED", onCommit: 1);

        Assert.Equal(ControlStatus.Pending, Evaluate(Snapshot(builder, [File("payments/ledger.cs")]), Policy(codeOwners: true)).Status);
    }

    [Fact]
    public void A_team_whose_membership_was_not_loaded_never_counts_and_the_row_says_so()
    {
        var builder = new SnapshotBuilder().Commit(true).Approve(People.Bob);

        var result = Evaluate(Snapshot(builder, [File("db/schema.sql")]), Policy(codeOwners: true));

        Assert.Equal(ControlStatus.Pending, result.Status);
        Assert.Contains("the members of @octo-org/dba were not loaded", Row(result, "CODEOWNERS").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_renamed_file_needs_the_owners_of_its_previous_path_too()
    {
        var builder = new SnapshotBuilder().Commit(true).Team("octo-org/everyone", "bob").Team("octo-org/payments").Approve(People.Bob);

        var result = Evaluate(Snapshot(builder, [File("archive/ledger.cs", status: "renamed", previous: "payments/ledger.cs")]), Policy(codeOwners: true));

        Assert.Equal(ControlStatus.Pending, result.Status);
        Assert.False(Row(result, "CODEOWNERS .github/CODEOWNERS:2").Ok);
    }

    [Fact]
    public void Unknown_absent_or_invalid_codeowners_fail_closed()
    {
        var builder = new SnapshotBuilder().Commit(true).Approve(People.Bob);
        var files = new[] { File("payments/ledger.cs") };

        var unknown = Evaluate(Snapshot(builder, files, owners: null), Policy(codeOwners: true));
        var absent = Evaluate(Snapshot(builder, files) with { CodeOwners = new CodeOwnersFact(null, null) }, Policy(codeOwners: true));
        var invalid = Evaluate(Snapshot(builder, files, owners: "*  @everyone\n/payments/ payments-team\n"), Policy(codeOwners: true));

        Assert.Equal(ControlStatus.Error, unknown.Status);
        Assert.Contains("CODEOWNERS", unknown.HowToFix, StringComparison.Ordinal);
        Assert.Equal(ControlStatus.Error, absent.Status);
        Assert.Contains("has no CODEOWNERS file", absent.Summary, StringComparison.Ordinal);
        Assert.Equal(ControlStatus.Error, invalid.Status);
        var line = Row(invalid, "CODEOWNERS .github/CODEOWNERS:2:12");
        Assert.Contains("'payments-team' is not an owner", line.Message, StringComparison.Ordinal);
        var annotation = Assert.Single(invalid.Annotations);
        Assert.Equal((".github/CODEOWNERS", 2), (annotation.Path, annotation.Line));
    }

    [Fact]
    public void A_migration_rule_applies_only_when_an_added_line_is_dangerous()
    {
        var builder = new SnapshotBuilder().Commit(true).Team("octo-org/dba", "erin").Approve(People.Bob);
        var safe = File("db/migrations/0042_add_index.sql", "@@ -0,0 +1,2 @@\n+CREATE INDEX ix_accounts ON accounts (owner);\n+-- dropping nothing");
        var dangerous = File("db/migrations/0043_cleanup.sql", "@@ -3,2 +3,3 @@\n context\n-ALTER TABLE x ADD y int;\n+ALTER TABLE accounts DROP COLUMN legacy;\n+select 1;");

        var onlySafe = Evaluate(Snapshot(builder, [safe]), Policy(rules: Migrations));
        var withDangerous = Evaluate(Snapshot(builder, [safe, dangerous]), Policy(rules: Migrations));

        Assert.Equal(ControlStatus.Pass, onlySafe.Status);
        Assert.Contains("no added line matches", Row(onlySafe, "Database migrations").Message, StringComparison.Ordinal);
        Assert.Equal(ControlStatus.Pending, withDangerous.Status);
        var row = Row(withDangerous, "Database migrations");
        Assert.False(row.Ok);
        Assert.Contains("db/migrations/0043_cleanup.sql (line 4 matches", row.Message, StringComparison.Ordinal);
        Assert.Contains("ALTER TABLE accounts DROP COLUMN legacy;", row.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("0042", row.Message, StringComparison.Ordinal);
        Assert.Contains("0 of 1 required approval from a member of octo-org/dba", row.Message, StringComparison.Ordinal);

        var approved = Evaluate(Snapshot(builder.Approve(People.Erin), [safe, dangerous]), Policy(rules: Migrations));

        Assert.Equal(ControlStatus.Pass, approved.Status);
        Assert.Contains("erin", Row(approved, "Database migrations").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_patch_makes_a_content_rule_apply()
    {
        var builder = new SnapshotBuilder().Commit(true).Team("octo-org/dba");

        var result = Evaluate(Snapshot(builder, [File("db/migrations/0044_big.sql", patch: null)]), Policy(rules: Migrations));

        Assert.Equal(ControlStatus.Pending, result.Status);
        Assert.Contains("GitHub did not include its patch", Row(result, "Database migrations").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rules_need_their_own_count_of_approvals_and_one_approval_meets_several()
    {
        var infra = new ApprovalRule { Name = "Infrastructure", Paths = ["infra/**", "**/*.bicep"], RequiredApprovals = 2, ApproverTeams = ["octo-org/platform"] };
        var any = new ApprovalRule { Name = "Anything", Paths = ["**"] };
        var builder = new SnapshotBuilder().Commit(true).Team("octo-org/platform", "erin", "frank").Approve(People.Erin);

        var one = Evaluate(Snapshot(builder, [File("main.bicep")]), Policy(rules: [infra, any]));

        Assert.Equal(ControlStatus.Pending, one.Status);
        Assert.Contains("1 of 2 required approvals from a member of octo-org/platform; approved by erin; needs 1 more", Row(one, "Infrastructure").Message, StringComparison.Ordinal);
        Assert.True(Row(one, "Anything").Ok);

        var two = Evaluate(Snapshot(builder.Approve(People.Frank), [File("main.bicep")]), Policy(rules: [infra, any]));
        Assert.Equal(ControlStatus.Pass, two.Status);
    }

    [Fact]
    public void Changed_files_not_loaded_or_not_all_listed_fail_closed()
    {
        var builder = new SnapshotBuilder().Commit(true);
        var any = new ApprovalRule { Name = "Anything", Paths = ["**"] };

        var notLoaded = Evaluate(builder.Build(), Policy(rules: any));
        var tooMany = Evaluate(Snapshot(builder, [File("a.cs")]) with { ReportedChangedFileCount = 3001 }, Policy(rules: any));

        Assert.Equal(ControlStatus.Error, notLoaded.Status);
        Assert.Contains("files.json", notLoaded.HowToFix, StringComparison.Ordinal);
        Assert.Equal(ControlStatus.Error, tooMany.Status);
        Assert.Contains("GitHub lists at most 3000", tooMany.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Added_lines_carry_their_line_numbers_in_the_new_file()
    {
        var lines = PathApprovalsControl.AddedLines("@@ -1,3 +10,4 @@\n a\n-b\n+c\n+d\n e\n@@ -20 +30 @@\n+f\n\\ No newline at end of file");

        Assert.Equal([(11, "c"), (12, "d"), (30, "f")], lines.ToList());
    }
}

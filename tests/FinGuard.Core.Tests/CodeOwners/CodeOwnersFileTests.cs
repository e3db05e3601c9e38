using FinGuard.Core.CodeOwners;

namespace FinGuard.Core.Tests.CodeOwners;

public sealed class CodeOwnersFileTests
{
    private const string Sample = """
        # Default owners of everything
        *       @octo-org/everyone

        # Payments: its team, and the DBA for the schema
        /payments/               @octo-org/payments
        /payments/schema.sql     @octo-org/payments @octo-org/dba   # both teams

        # Generated code has no owner
        /payments/generated/

        *.md    docs@example.com @writer
        """;

    [Theory]
    [InlineData("src/app.cs", 2, "@octo-org/everyone")]
    [InlineData("payments/ledger.cs", 5, "@octo-org/payments")]
    [InlineData("payments/schema.sql", 6, "@octo-org/payments @octo-org/dba")]
    [InlineData("payments/generated/client.cs", 9, "")]
    [InlineData("payments/README.md", 11, "docs@example.com @writer")]
    public void The_last_matching_line_decides(string path, int line, string owners)
    {
        var file = CodeOwnersFile.Parse(Sample);

        Assert.True(file.IsValid, string.Join("\n", file.Errors));
        var found = file.Find(path);
        Assert.NotNull(found);
        Assert.Equal(line, found.Line);
        Assert.Equal(owners, string.Join(" ", found.Owners));
    }

    [Fact]
    public void Owners_are_users_teams_and_emails()
    {
        var line = CodeOwnersFile.Parse("/db/ @alice @octo-org/dba dba@example.com").Lines.Single();

        Assert.Equal<CodeOwner>(
            [new CodeOwner(CodeOwnerKind.User, "alice"), new CodeOwner(CodeOwnerKind.Team, "octo-org/dba"), new CodeOwner(CodeOwnerKind.Email, "dba@example.com")],
            line.Owners);
    }

    [Fact]
    public void No_matching_line_means_no_owner() =>
        Assert.Null(CodeOwnersFile.Parse("/payments/ @octo-org/payments").Find("ledger/x.cs"));

    [Theory]
    [InlineData("!/payments/ @a", 1, "negation")]
    [InlineData("/src/[ab].cs @a", 1, "character ranges")]
    [InlineData("\\#file @a", 1, "escapes")]
    [InlineData("/ @a", 1, "never matches")]
    [InlineData("/src/ alice", 7, "'alice' is not an owner")]
    [InlineData("/src/ @alice @", 14, "'@' is not an owner")]
    [InlineData("/src/ @-bad-", 7, "is not an owner")]
    public void Lines_GitHub_does_not_accept_are_errors_at_their_column(string text, int column, string message)
    {
        var file = CodeOwnersFile.Parse("# owners\n\n" + text);

        Assert.False(file.IsValid);
        var error = Assert.Single(file.Errors);
        Assert.Equal(3, error.Line);
        Assert.Equal(column, error.Column);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Windows_line_endings_and_tabs_are_read()
    {
        var file = CodeOwnersFile.Parse("*\t@a\r\n/db/\t@octo-org/dba\r\n");

        Assert.True(file.IsValid);
        Assert.Equal("@octo-org/dba", string.Join(" ", file.Find("db/x.sql")!.Owners));
    }
}

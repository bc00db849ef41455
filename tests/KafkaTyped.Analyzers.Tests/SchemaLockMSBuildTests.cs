using System.Diagnostics;
using System.Text;

namespace KafkaTyped.Analyzers.Tests;

/// <summary>
/// The schema lock workflow end to end through the real .NET SDK: a throwaway project outside the repository that
/// uses the built analyzer DLL and imports src/Framework/buildTransitive/KafkaTyped.targets, as a package consumer
/// would. Each test runs `dotnet build` three or four times (about half a minute each on a busy machine).
/// </summary>
public sealed class SchemaLockMSBuildTests : IDisposable
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(5);

    private readonly string root = Path.Combine(Path.GetTempPath(), "kt-schema-lock-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Update_writes_the_lock_and_later_builds_check_against_it()
    {
        var project = CreateProject("""
            [KafkaMessage("order-created")]
            public partial record OrderCreated([property: MessageKey] Guid OrderId, string Customer, decimal Amount);
            """);
        var lockPath = Path.Combine(project, "kafkatyped.schema.lock");

        var update = await BuildAsync(project, "-p:KafkaTypedUpdateSchemaLock=true");
        Assert.True(update.ExitCode == 0, update.Output);
        Assert.Contains("KafkaTyped: wrote schema lock", update.Output, StringComparison.Ordinal);
        Assert.EndsWith(
            "message order-created\n  0 OrderId: System.Guid\n  1 Customer: string\n  2 Amount: decimal\n",
            await File.ReadAllTextAsync(lockPath, TestContext.Current.CancellationToken),
            StringComparison.Ordinal);

        WriteMessages(project, """
            [KafkaMessage("order-created")]
            public partial record OrderCreated([property: MessageKey] Guid OrderId, decimal Amount);
            """);
        var check = await BuildAsync(project);
        Assert.NotEqual(0, check.ExitCode);
        Assert.Contains("error KT0040", check.Output, StringComparison.Ordinal);
        Assert.Contains("error KT0041", check.Output, StringComparison.Ordinal);

        var accept = await BuildAsync(project, "-p:KafkaTypedUpdateSchemaLock=true");
        Assert.True(accept.ExitCode == 0, accept.Output);
        Assert.EndsWith(
            "message order-created\n  0 OrderId: System.Guid\n  1 Amount: decimal\n",
            await File.ReadAllTextAsync(lockPath, TestContext.Current.CancellationToken),
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_Avro_message_is_locked_by_its_schema_and_checked_by_Avro_rules_in_the_chosen_direction()
    {
        var project = CreateProject("""
            public enum Channel { Card, Transfer }

            [KafkaMessage("payment-taken", Format = MessageFormat.Avro)]
            public partial record PaymentTaken(Guid PaymentId, int Attempts, Channel Channel);
            """);
        var lockPath = Path.Combine(project, "kafkatyped.schema.lock");

        var update = await BuildAsync(project, "-p:KafkaTypedUpdateSchemaLock=true");
        Assert.True(update.ExitCode == 0, update.Output);
        Assert.EndsWith(
            "message payment-taken format=avro\n  avro {\"type\":\"record\",\"name\":\"PaymentTaken\",\"namespace\":\"Shop\",\"fields\":["
            + "{\"name\":\"paymentId\",\"type\":{\"type\":\"string\",\"logicalType\":\"uuid\"}},{\"name\":\"attempts\",\"type\":\"int\"},"
            + "{\"name\":\"channel\",\"type\":{\"type\":\"enum\",\"name\":\"Channel\",\"namespace\":\"Shop\",\"symbols\":[\"Card\",\"Transfer\"]}}]}\n",
            await File.ReadAllTextAsync(lockPath, TestContext.Current.CancellationToken),
            StringComparison.Ordinal);

        // Backward compatible (a promotion, a new enum member, a nullable member), but the locked schema cannot read it.
        WriteMessages(project, """
            public enum Channel { Card, Transfer, Wallet }

            [KafkaMessage("payment-taken", Format = MessageFormat.Avro)]
            public partial record PaymentTaken(Guid PaymentId, long Attempts, Channel Channel, string? Note);
            """);
        var backward = await BuildAsync(project);
        Assert.True(backward.ExitCode == 0, backward.Output);
        var full = await BuildAsync(project, "-p:KafkaTypedAvroCompatibility=Full");
        Assert.NotEqual(0, full.ExitCode);
        Assert.Contains("error KT0045: The Avro schema of message 'payment-taken' (PaymentTaken) is not forward compatible with the schema lock: field 'attempts' changed type from 'long' to 'int'", full.Output, StringComparison.Ordinal);
        Assert.Contains("field 'channel' enum 'Shop.Channel' lost the symbol 'Wallet'", full.Output, StringComparison.Ordinal);

        var accept = await BuildAsync(project, "-p:KafkaTypedUpdateSchemaLock=true");
        Assert.True(accept.ExitCode == 0, accept.Output);
        Assert.Contains("{\"name\":\"note\",\"type\":[\"null\",\"string\"],\"default\":null}", await File.ReadAllTextAsync(lockPath, TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private string CreateProject(string messages)
    {
        var project = Path.Combine(root, "Shop");
        Directory.CreateDirectory(project);

        // Nothing of the repository's build settings applies.
        File.WriteAllText(Path.Combine(root, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(root, "Directory.Build.targets"), "<Project />\n");
        File.WriteAllText(Path.Combine(root, "Directory.Packages.props"), "<Project />\n");

        string Dll(Type type) => type.Assembly.Location;
        File.WriteAllText(Path.Combine(project, "Shop.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <UseSharedCompilation>false</UseSharedCompilation>
              </PropertyGroup>
              <ItemGroup>
                <Reference Include="{Dll(typeof(IHandle<>))}" />
                <Reference Include="{Dll(typeof(MessagePack.MessagePackWriter))}" />
                <Reference Include="{Dll(typeof(Confluent.Kafka.Headers))}" />
                <Analyzer Include="{Dll(typeof(SchemaCompatibilityAnalyzer))}" />
              </ItemGroup>
              <Import Project="{Path.Combine(RepoRoot(), "src", "Framework", "buildTransitive", "KafkaTyped.targets")}" />
            </Project>
            """);
        WriteMessages(project, messages);
        return project;
    }

    private static void WriteMessages(string project, string messages)
        => File.WriteAllText(Path.Combine(project, "Messages.cs"), "using KafkaTyped;\n\nnamespace Shop;\n\n" + messages + "\n");

    private static async Task<(int ExitCode, string Output)> BuildAsync(string project, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = project,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in (string[])["build", "-nodeReuse:false", "--disable-build-servers", .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";

        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(BuildTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet build did not finish within {BuildTimeout}.");
        }

        output.Append(await stdout).Append(await stderr);
        return (process.ExitCode, output.ToString());
    }

    private static string RepoRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "KafkaTyped.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("KafkaTyped.sln not found above " + AppContext.BaseDirectory);
    }
}

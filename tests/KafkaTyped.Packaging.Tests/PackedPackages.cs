using System.Globalization;
using System.Reflection;

[assembly: AssemblyFixture(typeof(KafkaTyped.Packaging.Tests.PackedPackages))]

namespace KafkaTyped.Packaging.Tests;

/// <summary>
/// Packs <c>KafkaTyped</c>, <c>KafkaTyped.Testing</c> and the storage packages once per test run into a temporary folder feed, with a unique
/// prerelease version so that the global NuGet packages folder can never serve a stale copy. Building happens in a
/// temporary artifacts directory, leaving the repository's bin/obj alone. Disposing deletes the temporary files and the
/// unique versions from the global packages folder.
/// </summary>
public sealed class PackedPackages : IAsyncLifetime
{
    /// <summary>Deadline of one CLI command; generous, as the machine may be small and busy.</summary>
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(15);

    public static readonly string[] PackageIds = ["KafkaTyped", "KafkaTyped.Testing", "KafkaTyped.Sqlite", "KafkaTyped.PostgreSql"];

    public PackedPackages()
    {
        RepoRoot = Metadata("RepoRoot");
        MicrosoftExtensionsVersion = Metadata("MicrosoftExtensionsVersion");
        Version = string.Create(CultureInfo.InvariantCulture, $"0.1.0-pkgtest.{DateTime.UtcNow:yyyyMMddHHmmss}.r{Guid.NewGuid().ToString("N")[..8]}");
        Root = Path.Combine(Path.GetTempPath(), $"kafkatyped-pkgtest-{Guid.NewGuid():N}");
        Feed = Path.Combine(Root, "feed");
    }

    /// <summary>The repository's root directory.</summary>
    public string RepoRoot { get; }

    /// <summary>The version of the Microsoft.Extensions packages the repository builds against.</summary>
    public string MicrosoftExtensionsVersion { get; }

    /// <summary>The unique version the packages were packed with.</summary>
    public string Version { get; }

    /// <summary>A temporary directory outside the repository holding the feed and the throwaway projects.</summary>
    public string Root { get; }

    /// <summary>The local folder feed the packages were packed into.</summary>
    public string Feed { get; }

    /// <summary>The path of a packed package.</summary>
    public string PackagePath(string id) => Path.Combine(Feed, $"{id}.{Version}.nupkg");

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(Feed);
        var artifacts = Path.Combine(Root, "artifacts");
        foreach (var project in new[] { "src/Framework/KafkaTyped.csproj", "src/Testing/KafkaTyped.Testing.csproj", "src/Storage/KafkaTyped.Sqlite/KafkaTyped.Sqlite.csproj", "src/Storage/KafkaTyped.PostgreSql/KafkaTyped.PostgreSql.csproj" })
        {
            var result = await DotnetCli.RunAsync(RepoRoot, CommandTimeout,
                "pack", project, "-c", "Release", "-o", Feed, "--artifacts-path", artifacts, "--disable-build-servers",
                $"-p:Version={Version}");
            if (result.ExitCode != 0)
            {
                throw new InvalidOperationException($"Packing {project} failed. {result.Describe()}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        // The unique versions restored by the throwaway projects would otherwise pile up in the global packages folder.
        var globalPackages = await FindGlobalPackagesFolderAsync();
        if (globalPackages is not null)
        {
            foreach (var id in PackageIds)
            {
                var idFolder = Path.Combine(globalPackages, id.ToLowerInvariant());
                TryDelete(Path.Combine(idFolder, Version.ToLowerInvariant()));
                if (Directory.Exists(idFolder) && !Directory.EnumerateFileSystemEntries(idFolder).Any())
                {
                    TryDelete(idFolder);
                }
            }
        }

        TryDelete(Root);
    }

    private async Task<string?> FindGlobalPackagesFolderAsync()
    {
        if (Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured)
        {
            return configured;
        }

        var result = await DotnetCli.RunAsync(Path.GetTempPath(), TimeSpan.FromMinutes(2), "nuget", "locals", "global-packages", "--list");
        const string Prefix = "global-packages:";
        var line = result.Output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(Prefix, StringComparison.Ordinal));
        return line is null ? null : line[Prefix.Length..].Trim();
    }

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
            // Best effort: a leftover temporary directory does not affect the next run, which uses new names.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static string Metadata(string key)
        => typeof(PackedPackages).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == key)?.Value
            ?? throw new InvalidOperationException($"The test assembly has no '{key}' metadata; it is set by KafkaTyped.Packaging.Tests.csproj.");
}

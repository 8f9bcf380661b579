import ArgumentParser

/// `ybz`: the 一本账 server and command line.
@main
struct YBZ: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ybz",
        abstract: "一本账 Yibenzhang: digital resource ledger and data resource catalogs (滕政办发〔2025〕8号).",
        subcommands: [Serve.self, Import.self, Validate.self, Export.self, Probe.self, Simulate.self, Funding.self, Waive.self, Review.self, DeadlinesCommand.self, Deregister.self, User.self, Token.self, Audit.self]
    )
}

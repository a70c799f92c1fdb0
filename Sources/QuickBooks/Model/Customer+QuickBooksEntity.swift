extension Customer: QuickBooksEntity {
    public static let entityName = "Customer"
}

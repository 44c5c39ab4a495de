// The GRUCLITests target is declared in Package.swift but its tests are not on this branch
// yet; this file lets the package build. Delete it once the target holds real tests.

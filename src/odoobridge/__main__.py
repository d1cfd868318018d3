from odoobridge.cli.main import main

main()

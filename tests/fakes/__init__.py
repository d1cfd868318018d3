"""Local fakes of outside services, over real HTTP(S) on 127.0.0.1."""

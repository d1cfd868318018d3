"""Operations: alert rules over the store, backup / restore / store migrate."""
